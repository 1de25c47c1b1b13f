# Task records from the commit lists, and the ISO-Bench dataset file per repository.


# The commit list is not an input: its entry is a param, so editing one entry (or adding a task)
# re-makes that task only, not every task of the list.
rule task_record:
    input:
        repo="results/repos/{repo}.json",
    output:
        task="results/tasks/{repo}/{commit}/task.json",
    log:
        "logs/task_record/{repo}/{commit}.log",
    conda:
        "../envs/isobench.yaml"
    params:
        repo="{repo}",
        entry=task_entry,
        line=task_line,
        commit_list=commit_list,
    script:
        "../scripts/task_record.py"


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
