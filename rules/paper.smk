# The paper's tables and figures (isobench/paper/): quadrants, success rates with Wilson
# intervals, McNemar tests, approaches, from per-(task, agent) rows. The same rules serve the
# published results (results/paper/ = the paper's 4 agents, results/paper/six_agents/ = 6;
# `snakemake --cores 1 paper`, offline, seconds) and this study's own runs
# (results/paper/study/, from results/scores/per_task.csv; part of `rule all`).
from isobench.paper.sets import PAPER_SETS, SETS, STUDY_SET


rule paper_tables:
    input:
        per_task=paper_per_task,
    output:
        per_task="results/{paper_dir}/tables/per_task_quadrants.csv",
        quadrants_csv=report(
            "results/{paper_dir}/tables/quadrants.csv",
            caption="../report/paper_quadrants_table.rst",
            category="Paper tables and figures",
            subcategory="{paper_dir}",
            labels={"table": "quadrant counts"},
        ),
        quadrants_tex="results/{paper_dir}/tables/quadrants.tex",
        rates_csv=report(
            "results/{paper_dir}/tables/success_rates.csv",
            caption="../report/paper_rates_table.rst",
            category="Paper tables and figures",
            subcategory="{paper_dir}",
            labels={"table": "success rates"},
        ),
        rates_tex="results/{paper_dir}/tables/success_rates.tex",
        mcnemar_csv=report(
            "results/{paper_dir}/tables/mcnemar.csv",
            caption="../report/paper_mcnemar_table.rst",
            category="Paper tables and figures",
            subcategory="{paper_dir}",
            labels={"table": "McNemar tests"},
        ),
        mcnemar_tex="results/{paper_dir}/tables/mcnemar.tex",
        approach_csv=report(
            "results/{paper_dir}/tables/approach.csv",
            caption="../report/paper_approach_table.rst",
            category="Paper tables and figures",
            subcategory="{paper_dir}",
            labels={"table": "approach counts"},
        ),
        approach_tex="results/{paper_dir}/tables/approach.tex",
    log:
        "logs/paper_tables/{paper_dir}.log",
    wildcard_constraints:
        paper_dir="|".join(SETS),
    localrule: True
    conda:
        "../envs/isobench.yaml"
    script:
        "../scripts/paper.py"


rule paper_figures:
    input:
        rates="results/{paper_dir}/tables/success_rates.csv",
        quadrants="results/{paper_dir}/tables/quadrants.csv",
        approach="results/{paper_dir}/tables/approach.csv",
    output:
        true_success_png=report(
            "results/{paper_dir}/figures/true_success.png",
            caption="../report/paper_true_success.rst",
            category="Paper tables and figures",
            subcategory="{paper_dir}",
            labels={"figure": "true success"},
        ),
        true_success_pdf="results/{paper_dir}/figures/true_success.pdf",
        hard_vs_true_png=report(
            "results/{paper_dir}/figures/hard_vs_true.png",
            caption="../report/paper_hard_vs_true.rst",
            category="Paper tables and figures",
            subcategory="{paper_dir}",
            labels={"figure": "hard vs true success"},
        ),
        hard_vs_true_pdf="results/{paper_dir}/figures/hard_vs_true.pdf",
        intent_png=report(
            "results/{paper_dir}/figures/intent_vs_execution.png",
            caption="../report/paper_intent_vs_execution.rst",
            category="Paper tables and figures",
            subcategory="{paper_dir}",
            labels={"figure": "good intent vs bad execution"},
        ),
        intent_pdf="results/{paper_dir}/figures/intent_vs_execution.pdf",
        quadrants_png=report(
            "results/{paper_dir}/figures/quadrants.png",
            caption="../report/paper_quadrants.rst",
            category="Paper tables and figures",
            subcategory="{paper_dir}",
            labels={"figure": "quadrant distribution"},
        ),
        quadrants_pdf="results/{paper_dir}/figures/quadrants.pdf",
        approach_png=report(
            "results/{paper_dir}/figures/approach.png",
            caption="../report/paper_approach.rst",
            category="Paper tables and figures",
            subcategory="{paper_dir}",
            labels={"figure": "approach distribution"},
        ),
        approach_pdf="results/{paper_dir}/figures/approach.pdf",
    log:
        "logs/paper_figures/{paper_dir}.log",
    wildcard_constraints:
        paper_dir="|".join(SETS),
    localrule: True
    conda:
        "../envs/isobench.yaml"
    script:
        "../scripts/paper.py"


rule paper:
    input:
        expand(rules.paper_tables.output, paper_dir=PAPER_SETS),
        expand(rules.paper_figures.output, paper_dir=PAPER_SETS),
    localrule: True


rule paper_study:
    input:
        expand(rules.paper_tables.output, paper_dir=STUDY_SET),
        expand(rules.paper_figures.output, paper_dir=STUDY_SET),
    localrule: True
