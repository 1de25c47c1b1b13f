# Performance tests (isobench/synthesis/): the task's benchmark command (synthesis.source =
# command), or a test an LLM writes and that counts only once it ran on base and human in the
# bench stage's own environment (source = llm; the env record is then an input).


rule synthesis:
    input:
        unpack(synthesis_inputs),
    output:
        perf_test="results/tasks/{repo}/{commit}/perf_test.py",
        synthesis="results/tasks/{repo}/{commit}/synthesis.json",
    log:
        "logs/synthesis/{repo}/{commit}.log",
    conda:
        "../envs/isobench.yaml"
    resources:
        llm_api=int(SYNTHESIS_LLM),
        gpu=BENCH_GPUS if SYNTHESIS_LLM else 0,
    params:
        source=config["synthesis"]["source"],
        llm=synthesis_settings,
        serving=serving_settings,
    script:
        "../scripts/synthesis.py"
