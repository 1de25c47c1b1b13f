# Soft metrics (isobench/judge/): the LLM judge compares each attempt's patch with the human diff
# (bottleneck target, approach) beside a rule-based similarity; the scores turn them into
# quadrants Q1-Q4.


rule judge:
    input:
        task="results/tasks/{repo}/{commit}/task.json",
        patch="results/runs/{agent}/{repo}/{commit}/{k}/patch.diff",
        run="results/runs/{agent}/{repo}/{commit}/{k}/run.json",
        prompt=STUDY.prompt("judge_v1"),
    output:
        judge="results/judge/{agent}/{repo}/{commit}/{k}.json",
    log:
        "logs/judge/{agent}/{repo}/{commit}/{k}.log",
    conda:
        "../envs/isobench.yaml"
    resources:
        llm_api=1,
    params:
        model=STUDY.stage_model("judge"),
    script:
        "../scripts/judge.py"
