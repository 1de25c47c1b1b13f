# Task records from the commit lists (isobench/tasks/). The commit list is not an input: its
# entry is a param, so editing one entry (or adding a task) re-makes that task only.


rule tasks:
    input:
        repo="results/repos/{repo}.json",
    output:
        task="results/tasks/{repo}/{commit}/task.json",
    log:
        "logs/tasks/{repo}/{commit}.log",
    conda:
        "../envs/isobench.yaml"
    params:
        repo="{repo}",
        entry=task_entry,
        line=task_line,
        commit_list=commit_list,
    script:
        "../scripts/tasks.py"
