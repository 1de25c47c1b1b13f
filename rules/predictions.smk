# All attempts of one agent as SWE-bench/GSO predictions JSONL ({instance_id, model_patch,
# model_name_or_path}; the k-th line of an instance is attempt k), the format the `predictions`
# adapter replays and GSO's harness reads (isobench/predictions.py). Only the declared attempts
# are exported: a stale one (after lowering `attempts`) is not an input, so it cannot leak in.


rule predictions:
    input:
        runs=agent_runs,
    output:
        predictions="results/predictions/{agent}.jsonl",
    log:
        "logs/predictions/{agent}.log",
    localrule: True
    conda:
        "../envs/isobench.yaml"
    script:
        "../scripts/predictions.py"
