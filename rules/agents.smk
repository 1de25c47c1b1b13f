# Agent attempts: one patch + run record per (agent, task, attempt).


rule agent_run:
    input:
        task="results/tasks/{repo}/{commit}/task.json",
        repo="results/repos/{repo}.json",
        agent_files=agent_files,
    output:
        patch="results/runs/{agent}/{repo}/{commit}/{k}/patch.diff",
        run="results/runs/{agent}/{repo}/{commit}/{k}/run.json",
    log:
        "logs/agent_run/{agent}/{repo}/{commit}/{k}.log",
    conda:
        "../envs/isobench.yaml"
    params:
        agent=agent_entry,
        k="{k}",
    script:
        "../scripts/agent_run.py"
