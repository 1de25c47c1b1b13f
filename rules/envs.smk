# The environment all three variants of a task are timed in (isobench/envs.py): this
# interpreter (local), or the task's content-addressed image, built here once and reused (docker).


rule envs:
    input:
        task="results/tasks/{repo}/{commit}/task.json",
        recipe=recipe_files,
    output:
        env="results/envs/{repo}/{commit}.json",
    log:
        "logs/envs/{repo}/{commit}.log",
    conda:
        "../envs/isobench.yaml"
    params:
        executor=EVALUATION["executor"],
        docker=DOCKER,
        recipe=repo_recipe,
        build_args=build_args,
        repo="{repo}",
        commit="{commit}",
    script:
        "../scripts/envs.py"
