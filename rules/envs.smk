# The environment all three variants of a task are timed in.


rule env_record:
    input:
        task="results/tasks/{repo}/{commit}/task.json",
    output:
        env="results/envs/{repo}/{commit}.json",
    log:
        "logs/env_record/{repo}/{commit}.log",
    conda:
        "../envs/isobench.yaml"
    params:
        executor=config["evaluation"]["executor"],
        repo="{repo}",
        commit="{commit}",
    script:
        "../scripts/env_record.py"
