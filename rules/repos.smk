# Target repositories: the demo is rebuilt from its patch series (stable shas); a `path` source is
# only checked and described.


rule repo_prepare:
    input:
        repo_sources,
    output:
        stamp="results/repos/{repo}.json",
    log:
        "logs/repo_prepare/{repo}.log",
    localrule: True
    conda:
        "../envs/isobench.yaml"
    params:
        name="{repo}",
        cfg=repo_config,
    script:
        "../scripts/repo_prepare.py"
