# Our own runs (isobench/report/): GSO-style tables and figures of this study's scores (Opt@K,
# Opt_p@1, speedups, per-task contributions). `snakemake --cores 2 report` makes them; they are
# part of `rule all`, with the paper's tables of this study (results/paper/study/, paper.smk).


rule report_tables:
    input:
        opt_at_k="results/opt_at_k.csv",
        scores=expand("results/scores/{repo}.csv", repo=REPOS),
    output:
        opt_at_k_tex="results/tables/opt_at_k.tex",
        opt_p_csv=report(
            "results/tables/opt_p_at_1.csv",
            caption="../report/runs_opt_p_table.rst",
            category="Our runs",
            labels={"table": "Opt_p@1"},
        ),
        opt_p_tex="results/tables/opt_p_at_1.tex",
        best_attempts=report(
            "results/tables/best_attempts.csv",
            caption="../report/runs_best_attempts_table.rst",
            category="Our runs",
            labels={"table": "best attempt per task and agent"},
        ),
        contributions_csv=report(
            "results/tables/task_contributions.csv",
            caption="../report/runs_contributions_table.rst",
            category="Our runs",
            labels={"table": "per-task contributions"},
        ),
        contributions_tex="results/tables/task_contributions.tex",
    log:
        "logs/report_tables/report_tables.log",
    localrule: True
    conda:
        "../envs/isobench.yaml"
    params:
        opt_base_threshold=config["scoring"]["opt_base_threshold"],
    script:
        "../scripts/report.py"


rule report_figures:
    input:
        opt_at_k="results/opt_at_k.csv",
        opt_p="results/tables/opt_p_at_1.csv",
        best_attempts="results/tables/best_attempts.csv",
    output:
        opt_at_k_png=report(
            "results/figures/opt_at_k.png",
            caption="../report/runs_opt_at_k.rst",
            category="Our runs",
            labels={"figure": "Opt@K vs K"},
        ),
        opt_at_k_pdf="results/figures/opt_at_k.pdf",
        opt_p_png=report(
            "results/figures/opt_p_at_1.png",
            caption="../report/runs_opt_p_at_1.rst",
            category="Our runs",
            labels={"figure": "Opt_p@1 vs p"},
        ),
        opt_p_pdf="results/figures/opt_p_at_1.pdf",
        speedups_png=report(
            "results/figures/speedups.png",
            caption="../report/runs_speedups.rst",
            category="Our runs",
            labels={"figure": "speedups per task"},
        ),
        speedups_pdf="results/figures/speedups.pdf",
    log:
        "logs/report_figures/report_figures.log",
    localrule: True
    conda:
        "../envs/isobench.yaml"
    params:
        opt_base_threshold=config["scoring"]["opt_base_threshold"],
        opt_commit_threshold=config["scoring"]["opt_commit_threshold"],
    script:
        "../scripts/report.py"


rule report:
    input:
        rules.report_tables.output,
        rules.report_figures.output,
    localrule: True
