# Agent attempts: one patch + run record per (agent, task, attempt). Model-backed agents also keep
# their trajectory beside them (run.json names it). See isobench/agents/.
from isobench.cli import export_predictions


rule agent_run:
    input:
        task="results/tasks/{repo}/{commit}/task.json",
        repo="results/repos/{repo}.json",
    output:
        patch="results/runs/{agent}/{repo}/{commit}/{k}/patch.diff",
        run="results/runs/{agent}/{repo}/{commit}/{k}/run.json",
    log:
        "logs/agent_run/{agent}/{repo}/{commit}/{k}.log",
    conda:
        "../envs/isobench.yaml"
    resources:
        llm_api=AGENT_LLM_SLOTS,
    params:
        agent=agent_params,
        k="{k}",
        archive=config["run_archive"],
    script:
        "../scripts/agent_run.py"


# All attempts of one agent as SWE-bench/GSO predictions JSONL
# ({instance_id, model_patch, model_name_or_path}; the k-th line of an instance is attempt k),
# the format the `predictions` adapter replays and GSO's harness reads.
rule agent_predictions:
    input:
        agent_run_records,
    output:
        "results/predictions/{agent}.jsonl",
    log:
        "logs/agent_predictions/{agent}.log",
    run:
        with open(output[0], "w", encoding="utf-8") as out:
            export_predictions(Path("results/runs") / wildcards.agent, out)
