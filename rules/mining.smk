# Mining: keyword pre-filter + classifier (heuristic or LLM) over the repository's history
# (isobench/mining/). The candidates are a proposal for a commit list, never an input of later
# stages.


rule mining:
    input:
        unpack(mining_inputs),
    output:
        candidates="results/mining/{repo}/candidates.jsonl",
        summary="results/mining/{repo}/summary.json",
    log:
        "logs/mining/{repo}.log",
    conda:
        "../envs/isobench.yaml"
    resources:
        llm_api=int(MINING_LLM),
    params:
        name="{repo}",
        keywords=config["mining"]["keywords"],
        classifier=config["mining"]["classifier"],
        model=mining_model,
        min_source_lines=config["mining"]["min_source_lines"],
        max_commits=config["mining"]["max_commits"],
        labels=repo_labels,
    script:
        "../scripts/mining.py"
