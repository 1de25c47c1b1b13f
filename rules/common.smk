# Shared Python for all stages: config validation, the static task tables, input functions.
# Runs at DAG-build time, so it reads only small YAML files (no git, no network).
import re
from pathlib import Path

from snakemake.utils import validate

from isobench.config import agent_table, instance_id, load_commit_list
from isobench.predictions import prediction_digests

validate(config, "../config/schemas/config.schema.yaml")

# The workflow's own files (prompts, recipes, published data) live beside the Snakefile; a study
# run with --directory elsewhere reaches them there. Paths in a config are the study's own.
PROJECT = Path(workflow.basedir)


def project_file(relative):
    """A file of the workflow, relative to the working directory when it is inside it."""
    path = PROJECT / relative
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


REPOS = sorted(config["repos"])
AGENTS = agent_table(config["agents"])
TASKS = {repo: load_commit_list(config["repos"][repo]["commits"]) for repo in REPOS}
ENTRIES = {(repo, e.commit): e for repo in REPOS for e in TASKS[repo]}


wildcard_constraints:
    repo="|".join(re.escape(r) for r in REPOS),
    agent="|".join(re.escape(a) for a in AGENTS),
    commit="[0-9a-f]{40}",
    k="[1-9][0-9]*",


def repo_config(wildcards):
    return dict(config["repos"][wildcards.repo])


def repo_sources(wildcards):
    """The demo's patch series is an input, so editing it rebuilds the repository."""
    cfg = config["repos"][wildcards.repo]
    if cfg["source"] != "demo":
        return []
    series = Path(cfg["series"])
    return [str(series)] + sorted(str(p) for p in (series.parent / "patches").glob("*"))


def commit_list(wildcards):
    return config["repos"][wildcards.repo]["commits"]


def task_entry(wildcards):
    return ENTRIES[(wildcards.repo, wildcards.commit)].as_params()


def task_line(wildcards):
    return ENTRIES[(wildcards.repo, wildcards.commit)].line


_PREDICTION_DIGESTS = {}


def prediction_digest(agent, wildcards):
    """The digest of the one prediction an attempt replays, from its agent's predictions file.

    It is part of the attempt's params, so editing one prediction re-runs that attempt only
    (the file is not an input: its mtime would re-run every attempt of the agent).
    """
    path = agent["predictions"]
    if path not in _PREDICTION_DIGESTS:  # read once per DAG build, not once per job
        _PREDICTION_DIGESTS[path] = prediction_digests(path)
    digests = _PREDICTION_DIGESTS[path]
    key = (instance_id(wildcards.repo, wildcards.commit), int(wildcards.k))
    return digests.get(key) or digests.get(("*", 0), "none")


def repo_labels(wildcards):
    return config["repos"][wildcards.repo].get("labels", "")


def task_records(wildcards):
    return [
        f"results/tasks/{wildcards.repo}/{e.commit}/task.json"
        for e in TASKS[wildcards.repo]
    ]


def attempt_files(repo, pattern):
    """One path per (agent, task, attempt) of a repository."""
    return [
        pattern.format(agent=a, repo=repo, commit=e.commit, k=k)
        for a, agent in AGENTS.items()
        for e in TASKS[repo]
        for k in range(1, agent["attempts"] + 1)
    ]


def all_bench_files():
    return [
        f
        for repo in REPOS
        for f in attempt_files(repo, "results/bench/{agent}/{repo}/{commit}/{k}.json")
    ]


def bench_files(wildcards):
    return attempt_files(
        wildcards.repo, "results/bench/{agent}/{repo}/{commit}/{k}.json"
    )


def run_files(wildcards):
    return attempt_files(
        wildcards.repo, "results/runs/{agent}/{repo}/{commit}/{k}/run.json"
    )


def agent_attempts():
    return {a: agent["attempts"] for a, agent in AGENTS.items()}


# --- Agents (isobench.agents): appended helpers -------------------------------------------------

BUILTIN_AGENT_KEYS = ("id", "adapter", "model", "predictions")
BUILTIN_ADAPTERS = (
    "oracle",
    "noop",
    "predictions",
)  # as isobench.agents.registry (not imported: slow)
LLM_CLIENT_KEYS = ("mode", "store", "timeout_s", "max_retries", "prices")


def agent_params(wildcards):
    """The agent entry an attempt gets.

    Builtin adapters (oracle, noop, predictions) get only their own keys, so the schema defaults
    of the model-backed agents' keys never change their params (and never re-run them).
    Model-backed agents also get their run directory (the trajectory is kept beside run.json)
    and, for mini, the LLM client settings: the workflow's `llm` section (when there is one)
    under the agent's own `llm` block.
    """
    agent = AGENTS[wildcards.agent]
    if agent["adapter"] in BUILTIN_ADAPTERS:
        entry = {k: v for k, v in agent.items() if k in BUILTIN_AGENT_KEYS}
        if agent.get("predictions"):
            entry["prediction_digest"] = prediction_digest(agent, wildcards)
        return entry
    # K is not part of an attempt: raising it must add attempts, not re-run the existing ones.
    entry = {k: v for k, v in agent.items() if k != "attempts"}
    entry["run_dir"] = (
        f"results/runs/{wildcards.agent}/{wildcards.repo}/{wildcards.commit}/{wildcards.k}"
    )
    if agent["adapter"] == "mini":
        shared = {
            k: v for k, v in (config.get("llm") or {}).items() if k in LLM_CLIENT_KEYS
        }
        entry["llm"] = {**shared, **(agent.get("llm") or {})}
    return entry


def uniform(function, values):
    """``function``, or the one value it would return for every job when all ``values`` agree.

    A resource given as a plain number costs Snakemake nothing per job; a function is called
    (and inspected) for each of them, which at paper scale is a visible part of the DAG build.
    """
    values = set(values)
    return values.pop() if len(values) == 1 else function


def _llm_slots_of(agent):
    return 0 if agent["adapter"] in BUILTIN_ADAPTERS else 1


def agent_llm_slots(wildcards):
    """One `llm_api` slot for an attempt of a model-backed agent (limits concurrent agents)."""
    return _llm_slots_of(AGENTS[wildcards.agent])


AGENT_LLM_SLOTS = uniform(agent_llm_slots, (_llm_slots_of(a) for a in AGENTS.values()))


def agent_run_records(wildcards):
    """Every attempt's run.json of one agent, over all repositories and tasks."""
    return [
        f"results/runs/{wildcards.agent}/{repo}/{e.commit}/{k}/run.json"
        for repo in REPOS
        for e in TASKS[repo]
        for k in range(1, AGENTS[wildcards.agent]["attempts"] + 1)
    ]


def docker_settings():
    """evaluation.docker, with the defaults of the schema."""
    return dict(config["evaluation"].get("docker") or {})


def repo_gpus(wildcards):
    """GPUs of one bench job (0 or 1): the resource Snakemake and SLURM schedule by."""
    return int(config["repos"][wildcards.repo].get("gpus", 0))


BENCH_GPUS = uniform(
    repo_gpus, (int(r.get("gpus", 0)) for r in config["repos"].values())
)


def repo_recipe(wildcards):
    """The repository's image recipe: a folder of the study, else one of the workflow's own."""
    recipe = config["repos"][wildcards.repo].get("recipe", "envs/docker/python")
    return recipe if Path(recipe).is_dir() else project_file(recipe)


def recipe_files(wildcards):
    """With the docker executor, an edited recipe re-records (and rebuilds) the environment."""
    if config["evaluation"]["executor"] != "docker":
        return []
    return sorted(
        str(p) for p in Path(repo_recipe(wildcards)).rglob("*") if p.is_file()
    )


# --- LLM stages (isobench.llm): classifier, test synthesis, judge -------------------------------

MINING_LLM = config["mining"]["classifier"] == "llm"
SYNTHESIS_LLM = config["synthesis"]["source"] == "llm"
# A nested --config value arrives as a string ('judge={enabled: true}'), hence the str().
JUDGE = str(config["judge"]["enabled"]).lower() == "true"
PROMPTS = project_file("config/prompts/{}.md")


def stage_model(section):
    """The model of one LLM stage: its own `model`, else llm.model."""
    return config[section].get("model") or config["llm"]["model"]


def mining_inputs(wildcards):
    """The classifier's prompt is an input, so editing it re-classifies."""
    inputs = {"repo": f"results/repos/{wildcards.repo}.json"}
    if MINING_LLM:
        inputs["prompt"] = PROMPTS.format("classify_v1")
    return inputs


def mining_model(wildcards):
    """Only an LLM classifier has a model (so changing llm.model never re-runs heuristic mining)."""
    return stage_model("mining") if MINING_LLM else ""


def perf_test_inputs(wildcards):
    """The task, the files its command uses from outside the repository (editing one re-makes
    this perf test only), and for LLM synthesis the repository it runs its candidates in.
    """
    inputs = {"task": f"results/tasks/{wildcards.repo}/{wildcards.commit}/task.json"}
    perf_inputs = ENTRIES[(wildcards.repo, wildcards.commit)].perf_inputs
    if perf_inputs and not SYNTHESIS_LLM:
        inputs["perf_inputs"] = list(perf_inputs)
    if SYNTHESIS_LLM:
        inputs["repo"] = f"results/repos/{wildcards.repo}.json"
        inputs["prompts"] = [
            PROMPTS.format("synthesize_test_v1"),
            PROMPTS.format("repair_test_v1"),
        ]
    return inputs


def synthesis_settings(wildcards):
    """What changes an LLM-written test (empty for command tests, so they never re-run on it)."""
    if not SYNTHESIS_LLM:
        return {}
    return {
        "model": stage_model("synthesis"),
        "max_repairs": config["synthesis"]["max_repairs"],
        "timeout_s": config["evaluation"]["timeout_s"],
        "cpu_threads": config["evaluation"]["cpu_threads"],
    }


def llm_slots(enabled):
    """One `llm_api` slot (profiles/default caps concurrent model calls) for a calling rule."""
    return 1 if enabled else 0


def judge_files(wildcards):
    return (
        attempt_files(wildcards.repo, "results/judge/{agent}/{repo}/{commit}/{k}.json")
        if JUDGE
        else []
    )


def llm_call_records():
    """Every output that carries per-call LLM records (summed into results/llm_costs.csv)."""
    records = []
    for repo in REPOS:
        if MINING_LLM:
            records.append(f"results/mining/{repo}/summary.json")
        if SYNTHESIS_LLM:
            records += [
                f"results/tasks/{repo}/{e.commit}/synthesis.json" for e in TASKS[repo]
            ]
        if JUDGE:
            records += attempt_files(
                repo, "results/judge/{agent}/{repo}/{commit}/{k}.json"
            )
    return records
