# Timing (isobench/bench/): base, human and agent interleaved in one job, warm-up + repetitions,
# every sample kept; one executor (local or docker) from the config, with the GPU lease inside.


rule bench:
    input:
        task="results/tasks/{repo}/{commit}/task.json",
        perf_test="results/tasks/{repo}/{commit}/perf_test.py",
        synthesis="results/tasks/{repo}/{commit}/synthesis.json",
        env="results/envs/{repo}/{commit}.json",
        repo="results/repos/{repo}.json",
        patch="results/runs/{agent}/{repo}/{commit}/{k}/patch.diff",
        run="results/runs/{agent}/{repo}/{commit}/{k}/run.json",
    output:
        bench="results/bench/{agent}/{repo}/{commit}/{k}.json",
    log:
        "logs/bench/{agent}/{repo}/{commit}/{k}.log",
    conda:
        "../envs/isobench.yaml"
    resources:
        gpu=BENCH_GPUS,
        # One timing job at a time per machine (profiles/default: timing=1): two bench jobs
        # timed side by side compete for cores, caches and memory bandwidth.
        timing=1,
    params:
        executor=EVALUATION["executor"],
        docker=DOCKER,
        job_id="{agent}/{repo}/{commit}/{k}",
        warmup=EVALUATION["warmup"],
        repetitions=EVALUATION["repetitions"],
        timeout_s=EVALUATION["timeout_s"],
        cpu_threads=EVALUATION["cpu_threads"],
        bootstrap_resamples=config["scoring"]["bootstrap_resamples"],
        seed=config["scoring"]["seed"],
        correctness=bench_correctness,
    script:
        "../scripts/bench.py"
