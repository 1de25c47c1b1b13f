# What the LLM stages cost, by stage and model (isobench/llm/): `cost_usd` by the store's
# accounting (replayed calls count their recorded cost: what the study costs),
# `calls_paid`/`cost_paid_usd` only the calls that went to a provider when the results were made.


rule llm_costs:
    input:
        records=STUDY.llm_call_records(),
    output:
        table="results/llm_costs.csv",
    log:
        "logs/llm_costs/llm_costs.log",
    localrule: True
    conda:
        "../envs/isobench.yaml"
    script:
        "../scripts/llm.py"
