# Agent attempts (isobench/agents/): one patch + run record per (agent, task, attempt).
# Model-backed agents also keep their trajectory beside them (run.json names it).


rule agents:
    input:
        task="results/tasks/{repo}/{commit}/task.json",
        repo="results/repos/{repo}.json",
    output:
        patch="results/runs/{agent}/{repo}/{commit}/{k}/patch.diff",
        run="results/runs/{agent}/{repo}/{commit}/{k}/run.json",
    log:
        "logs/agents/{agent}/{repo}/{commit}/{k}.log",
    conda:
        "../envs/isobench.yaml"
    resources:
        llm_api=AGENT_LLM_SLOTS,
    params:
        agent=agent_params,
        k="{k}",
        archive=config["run_archive"],
    script:
        "../scripts/agents.py"
