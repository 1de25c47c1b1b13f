# The environment all three variants of a task are timed in: this interpreter (local), or the
# task's content-addressed image, built here once and reused (docker).


rule env_record:
    input:
        task="results/tasks/{repo}/{commit}/task.json",
        recipe=recipe_files,
    output:
        env="results/envs/{repo}/{commit}.json",
    log:
        "logs/env_record/{repo}/{commit}.log",
    conda:
        "../envs/isobench.yaml"
    params:
        executor=config["evaluation"]["executor"],
        docker=docker_settings(),
        recipe=repo_recipe,
        build_args=lambda wc: dict(config["repos"][wc.repo].get("build_args") or {}),
        repo="{repo}",
        commit="{commit}",
    script:
        "../scripts/env_record.py"
