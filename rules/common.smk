# The config, validated (defaults filled in from the schema), and the input functions of every
# stage: thin wrappers over isobench.dag.Study, where the tables and the re-run policy live and
# are unit-tested. DAG-build time: only small YAML files are read (no git, no network).
from snakemake.utils import validate

from isobench.dag import BENCH_FILE, JUDGE_FILE, RUN_FILE, Study

validate(config, "../config/schemas/config.schema.yaml")

STUDY = Study(config, workflow.basedir)
REPOS = STUDY.repos
MINING_LLM = STUDY.mining_llm
SYNTHESIS_LLM = STUDY.synthesis_llm
JUDGE = STUDY.judge
EVALUATION = config["evaluation"]
DOCKER = dict(EVALUATION.get("docker") or {})
AGENT_LLM_SLOTS = STUDY.per_agent(STUDY.llm_slots_of)
BENCH_GPUS = STUDY.per_repo(STUDY.repo_gpus)


wildcard_constraints:
    repo=STUDY.wildcard_pattern("repo"),
    agent=STUDY.wildcard_pattern("agent"),
    commit="[0-9a-f]{40}",
    k="[1-9][0-9]*",


def repo_config(wildcards):
    return dict(config["repos"][wildcards.repo])


def repo_sources(wildcards):
    return STUDY.repo_sources(wildcards.repo)


def repo_labels(wildcards):
    return config["repos"][wildcards.repo].get("labels", "")


def mining_inputs(wildcards):
    return STUDY.mining_inputs(wildcards.repo)


def mining_model(wildcards):
    return STUDY.stage_model("mining") if MINING_LLM else ""


def commit_list(wildcards):
    return config["repos"][wildcards.repo]["commits"]


def task_entry(wildcards):
    return STUDY.entries[(wildcards.repo, wildcards.commit)].as_params()


def task_line(wildcards):
    return STUDY.entries[(wildcards.repo, wildcards.commit)].line


def task_records(wildcards):
    return STUDY.task_records(wildcards.repo)


def synthesis_inputs(wildcards):
    return STUDY.synthesis_inputs(wildcards.repo, wildcards.commit)


def serving_settings(wildcards):
    return STUDY.serving_settings(wildcards.repo, wildcards.commit)


def bench_correctness(wildcards):
    return STUDY.correctness_policy(wildcards.repo)


def synthesis_settings(wildcards):
    return STUDY.synthesis_settings()


def repo_recipe(wildcards):
    return STUDY.repo_recipe(wildcards.repo)


def recipe_files(wildcards):
    return STUDY.recipe_files(wildcards.repo)


def build_args(wildcards):
    return dict(config["repos"][wildcards.repo].get("build_args") or {})


def agent_params(wildcards):
    return STUDY.agent_params(
        wildcards.agent, wildcards.repo, wildcards.commit, int(wildcards.k)
    )


def agent_runs(wildcards):
    return STUDY.agent_runs(wildcards.agent)


def bench_files(wildcards):
    return STUDY.attempt_files(wildcards.repo, BENCH_FILE)


def run_files(wildcards):
    return STUDY.attempt_files(wildcards.repo, RUN_FILE)


def paper_per_task(wildcards):
    return STUDY.per_task_file(wildcards.paper_dir)


def judge_files(wildcards):
    return STUDY.attempt_files(wildcards.repo, JUDGE_FILE) if JUDGE else []
