# Performance tests: the task's benchmark command (synthesis.source = command), or a test an LLM
# writes and that counts only once it ran on base and human (source = llm; see isobench.synthesis).


rule perf_test:
    input:
        unpack(perf_test_inputs),
    output:
        perf_test="results/tasks/{repo}/{commit}/perf_test.py",
        synthesis="results/tasks/{repo}/{commit}/synthesis.json",
    log:
        "logs/perf_test/{repo}/{commit}.log",
    conda:
        "../envs/isobench.yaml"
    resources:
        llm_api=llm_slots(SYNTHESIS_LLM),
    params:
        source=config["synthesis"]["source"],
        llm=synthesis_settings,
    script:
        "../scripts/perf_test.py"
