# The task records of one repository in ISO-Bench's dataset schema, JSONL and parquet
# (isobench/dataset.py).


rule dataset:
    input:
        tasks=task_records,
    output:
        dataset="results/dataset/{repo}.jsonl",
        parquet="results/dataset/{repo}.parquet",
    log:
        "logs/dataset/{repo}.log",
    localrule: True
    conda:
        "../envs/isobench.yaml"
    script:
        "../scripts/dataset.py"
