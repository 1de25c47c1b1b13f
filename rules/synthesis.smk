# Performance tests: with synthesis.source = command, the task's benchmark command.


rule perf_test:
    input:
        task="results/tasks/{repo}/{commit}/task.json",
    output:
        perf_test="results/tasks/{repo}/{commit}/perf_test.py",
        synthesis="results/tasks/{repo}/{commit}/synthesis.json",
    log:
        "logs/perf_test/{repo}/{commit}.log",
    conda:
        "../envs/isobench.yaml"
    params:
        source=config["synthesis"]["source"],
    script:
        "../scripts/perf_test.py"
