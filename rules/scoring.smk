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
