# Paper outputs.
#   snakemake --cores 1 paper    : the ISO-Bench paper's tables and figures, derived from its
#                                  published per-task results (data/paper/); offline, seconds.
#                                  results/paper/ = the paper's 4 agents, results/paper/six_agents/ = 6.
#   snakemake --cores 2 figures  : the same kind of (GSO-style) figures for our own runs.
# Neither target is part of `rule all`.
# TODO(judge): quadrant tables/figures for our runs need the LLM judge's bottleneck labels; they
# are added with the judge stage (no hard x soft split is derived from our scores alone).
from isobench.paper.sets import PAPER_SETS, per_task_file


rule paper_tables:
    input:
        per_task=lambda wc: project_file(per_task_file(wc)),
    output:
        per_task="results/{paper_dir}/tables/per_task_quadrants.csv",
        quadrants_csv=report(
            "results/{paper_dir}/tables/quadrants.csv",
            caption="../report/paper_quadrants_table.rst",
            category="Paper (published results)",
            subcategory="{paper_dir}",
            labels={"table": "quadrant counts"},
        ),
        quadrants_tex="results/{paper_dir}/tables/quadrants.tex",
        rates_csv=report(
            "results/{paper_dir}/tables/success_rates.csv",
            caption="../report/paper_rates_table.rst",
            category="Paper (published results)",
            subcategory="{paper_dir}",
            labels={"table": "success rates"},
        ),
        rates_tex="results/{paper_dir}/tables/success_rates.tex",
        mcnemar_csv=report(
            "results/{paper_dir}/tables/mcnemar.csv",
            caption="../report/paper_mcnemar_table.rst",
            category="Paper (published results)",
            subcategory="{paper_dir}",
            labels={"table": "McNemar tests"},
        ),
        mcnemar_tex="results/{paper_dir}/tables/mcnemar.tex",
        approach_csv=report(
            "results/{paper_dir}/tables/approach.csv",
            caption="../report/paper_approach_table.rst",
            category="Paper (published results)",
            subcategory="{paper_dir}",
            labels={"table": "approach counts"},
        ),
        approach_tex="results/{paper_dir}/tables/approach.tex",
    log:
        "logs/paper_tables/{paper_dir}.log",
    wildcard_constraints:
        paper_dir="|".join(PAPER_SETS),
    localrule: True
    conda:
        "../envs/isobench.yaml"
    script:
        "../scripts/paper_tables.py"


rule paper_figures:
    input:
        rates="results/{paper_dir}/tables/success_rates.csv",
        quadrants="results/{paper_dir}/tables/quadrants.csv",
        approach="results/{paper_dir}/tables/approach.csv",
    output:
        true_success_png=report(
            "results/{paper_dir}/figures/true_success.png",
            caption="../report/paper_true_success.rst",
            category="Paper (published results)",
            subcategory="{paper_dir}",
            labels={"figure": "true success"},
        ),
        true_success_pdf="results/{paper_dir}/figures/true_success.pdf",
        hard_vs_true_png=report(
            "results/{paper_dir}/figures/hard_vs_true.png",
            caption="../report/paper_hard_vs_true.rst",
            category="Paper (published results)",
            subcategory="{paper_dir}",
            labels={"figure": "hard vs true success"},
        ),
        hard_vs_true_pdf="results/{paper_dir}/figures/hard_vs_true.pdf",
        intent_png=report(
            "results/{paper_dir}/figures/intent_vs_execution.png",
            caption="../report/paper_intent_vs_execution.rst",
            category="Paper (published results)",
            subcategory="{paper_dir}",
            labels={"figure": "good intent vs bad execution"},
        ),
        intent_pdf="results/{paper_dir}/figures/intent_vs_execution.pdf",
        quadrants_png=report(
            "results/{paper_dir}/figures/quadrants.png",
            caption="../report/paper_quadrants.rst",
            category="Paper (published results)",
            subcategory="{paper_dir}",
            labels={"figure": "quadrant distribution"},
        ),
        quadrants_pdf="results/{paper_dir}/figures/quadrants.pdf",
        approach_png=report(
            "results/{paper_dir}/figures/approach.png",
            caption="../report/paper_approach.rst",
            category="Paper (published results)",
            subcategory="{paper_dir}",
            labels={"figure": "approach distribution"},
        ),
        approach_pdf="results/{paper_dir}/figures/approach.pdf",
    log:
        "logs/paper_figures/{paper_dir}.log",
    wildcard_constraints:
        paper_dir="|".join(PAPER_SETS),
    localrule: True
    conda:
        "../envs/isobench.yaml"
    script:
        "../scripts/paper_figures.py"


rule paper:
    input:
        expand(rules.paper_tables.output, paper_dir=PAPER_SETS),
        expand(rules.paper_figures.output, paper_dir=PAPER_SETS),
    localrule: True


rule runs_tables:
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
        "logs/runs_tables/runs_tables.log",
    localrule: True
    conda:
        "../envs/isobench.yaml"
    params:
        opt_base_threshold=config["scoring"]["opt_base_threshold"],
    script:
        "../scripts/paper_runs_tables.py"


rule runs_figures:
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
        "logs/runs_figures/runs_figures.log",
    localrule: True
    conda:
        "../envs/isobench.yaml"
    params:
        opt_base_threshold=config["scoring"]["opt_base_threshold"],
        opt_commit_threshold=config["scoring"]["opt_commit_threshold"],
    script:
        "../scripts/paper_runs_figures.py"


rule figures:
    input:
        rules.runs_tables.output,
        rules.runs_figures.output,
    localrule: True
