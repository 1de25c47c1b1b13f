# Soft metrics: the LLM judge compares each attempt's patch with the human diff (bottleneck target,
# approach) beside a rule-based similarity; the score stage turns them into quadrants Q1-Q4.


rule judge:
    input:
        task="results/tasks/{repo}/{commit}/task.json",
        patch="results/runs/{agent}/{repo}/{commit}/{k}/patch.diff",
        run="results/runs/{agent}/{repo}/{commit}/{k}/run.json",
        prompt=PROMPTS.format("judge_v1"),
    output:
        judge="results/judge/{agent}/{repo}/{commit}/{k}.json",
    log:
        "logs/judge/{agent}/{repo}/{commit}/{k}.log",
    conda:
        "../envs/isobench.yaml"
    resources:
        llm_api=1,
    params:
        model=stage_model("judge"),
    script:
        "../scripts/judge.py"


# What the LLM stages cost, by stage and model: `cost_usd` by the store's accounting (replayed
# calls count their recorded cost: what the study costs), `calls_paid`/`cost_paid_usd` only the
# calls that went to a provider when the results were made (0 in a replay run).
rule llm_costs:
    input:
        records=llm_call_records(),
    output:
        table="results/llm_costs.csv",
    log:
        "logs/llm_costs/llm_costs.log",
    localrule: True
    conda:
        "../envs/isobench.yaml"
    script:
        "../scripts/llm_costs.py"
