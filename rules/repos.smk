# Target repositories: the demo is rebuilt from its patch series (stable shas); a `path` or
# `submodule` source is only checked and described (isobench/repos/).


rule repos:
    input:
        repo_sources,
    output:
        stamp="results/repos/{repo}.json",
    log:
        "logs/repos/{repo}.log",
    localrule: True
    conda:
        "../envs/isobench.yaml"
    params:
        name="{repo}",
        cfg=repo_config,
    script:
        "../scripts/repos.py"
