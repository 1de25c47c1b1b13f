# isobench: reproduce the ISO-Bench study end to end.
#   snakemake --cores 2 results/opt_at_k.csv                       the embedded demo
#   snakemake --cores 2 --directory STUDY results/opt_at_k.csv     a study made by `isobench init`
#   snakemake --cores 2 results/opt_at_k.csv --configfile my.yaml  a config file of your own
# Stage X: rules/X.smk -> scripts/X.py -> isobench/X; input functions in rules/common.smk.
from snakemake.utils import min_version

min_version("9.27")


# The working directory's config/config.yaml (the demo here, a study's own under --directory),
# unless config files are given on the command line: they replace it instead of being merged
# into it, so a study never inherits the demo's repositories, agents or LLM settings.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/repos.smk"
include: "rules/mining.smk"
include: "rules/tasks.smk"
include: "rules/dataset.smk"
include: "rules/synthesis.smk"
include: "rules/envs.smk"
include: "rules/agents.smk"
include: "rules/predictions.smk"
include: "rules/bench.smk"
include: "rules/judge.smk"
include: "rules/scoring.smk"
include: "rules/llm.smk"
include: "rules/report.smk"
include: "rules/paper.smk"
include: "rules/study.smk"


# Every attempt's bench result is listed, so deleting any result and running `snakemake` again
# re-makes it (Snakemake does not rebuild deleted intermediates of an up-to-date named target).
rule all:
    default_target: True
    input:
        "results/opt_at_k.csv",
        STUDY.all_attempt_files(BENCH_FILE),
        expand("results/mining/{repo}/candidates.jsonl", repo=REPOS),
        expand("results/dataset/{repo}.jsonl", repo=REPOS),
        "results/llm_costs.csv",
        # Every table and figure, ours and the published paper's, so that a plain
        # `snakemake --report results/report.html` holds them all.
        rules.report.input,
        rules.paper.input,
        rules.paper_study.input,
