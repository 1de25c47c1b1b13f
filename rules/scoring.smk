# Scores (isobench/scoring/): per-attempt rows per repository, then Opt@K over all repositories.


rule scores:
    input:
        bench=bench_files,
        runs=run_files,
        judge=judge_files,
    output:
        scores="results/scores/{repo}.csv",
    log:
        "logs/scores/{repo}.log",
    localrule: True
    conda:
        "../envs/isobench.yaml"
    params:
        scoring=config["scoring"],
        judge=JUDGE,
    script:
        "../scripts/scoring.py"


rule opt_at_k:
    input:
        scores=expand("results/scores/{repo}.csv", repo=REPOS),
    output:
        table="results/opt_at_k.csv",
    log:
        "logs/opt_at_k/opt_at_k.log",
    localrule: True
    conda:
        "../envs/isobench.yaml"
    params:
        attempts=STUDY.attempt_counts(),
        scoring=config["scoring"],
    script:
        "../scripts/scoring.py"


# The scores as per-(task, agent) rows of the published ISO-Bench schema (attempt 1): the input
# of the paper's tables and figures for this study (results/paper/study/, rules/paper.smk).
rule per_task:
    input:
        scores=expand("results/scores/{repo}.csv", repo=REPOS),
    output:
        per_task="results/scores/per_task.csv",
    log:
        "logs/per_task/per_task.log",
    localrule: True
    conda:
        "../envs/isobench.yaml"
    script:
        "../scripts/scoring.py"
