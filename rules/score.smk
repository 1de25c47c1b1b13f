# Scores: per-attempt rows per repository, then Opt@K over all repositories.


rule score_repo:
    input:
        bench=bench_files,
        runs=run_files,
        judge=judge_files,
    output:
        scores="results/scores/{repo}.csv",
    log:
        "logs/score_repo/{repo}.log",
    localrule: True
    conda:
        "../envs/isobench.yaml"
    params:
        scoring=config["scoring"],
        judge=JUDGE,
    script:
        "../scripts/score_repo.py"


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
        attempts=agent_attempts(),
        scoring=config["scoring"],
    script:
        "../scripts/opt_at_k.py"
