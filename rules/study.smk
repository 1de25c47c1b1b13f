# Before a real study spends anything: `snakemake doctor` (can it run here?) and
# `snakemake estimate` (what it costs). Both print their report (also to their log) and make no
# result; the CLI has the same commands with options (`isobench doctor --help`, ...).


rule doctor:
    log:
        "logs/doctor.log",
    localrule: True
    conda:
        "../envs/isobench.yaml"
    params:
        config=config,
    script:
        "../scripts/study.py"


rule estimate:
    log:
        "logs/estimate.log",
    localrule: True
    conda:
        "../envs/isobench.yaml"
    params:
        config=config,
    script:
        "../scripts/study.py"
