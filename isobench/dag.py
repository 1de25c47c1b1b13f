"""Everything the DAG is built from, decided once at DAG-build time (rules/common.smk wraps it).

A :class:`Study` is the validated config plus its static task tables: which repositories, tasks,
agents and attempts exist, the paths of every attempt's files, and each rule's params. Params
carry only what changes a result (Snakemake re-runs a job whose params change), which is the
re-run policy of the workflow:

* builtin agents (oracle, noop, predictions) get only their own keys, so the schema defaults of
  model-backed agents' keys never touch them; a predictions agent gets the digest of the one
  prediction an attempt replays, so editing one line re-runs that attempt only;
* ``attempts`` (K) is never a param: raising it adds attempts without re-running the others;
* LLM client settings that change how a request travels (mode, store, timeouts, retries) are not
  params of the LLM stages (their scripts read them from the config); the mini agent carries them
  inside its entry because its run record depends on the store it replays from;
* a resource that is the same for every job is a plain value (:func:`uniform`): a function is
  called per job, which at paper scale is a visible share of the DAG build.

Only small YAML/JSON files are read here (no git, no network, no heavy imports).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from isobench.config import (
    TaskEntry,
    agent_table,
    empty_commit_list,
    instance_id,
    load_commit_list,
)
from isobench.predictions import prediction_digests

# Adapters that need no model, no workspace and no budget (isobench.agents.registry uses these).
BUILTIN_ADAPTERS = ("oracle", "noop", "predictions")
BUILTIN_AGENT_KEYS = ("id", "adapter", "model", "predictions")
LLM_CLIENT_KEYS = ("mode", "store", "timeout_s", "max_retries", "prices")
PROMPT = "config/prompts/{}.md"
BENCH_FILE = "results/bench/{agent}/{repo}/{commit}/{k}.json"
RUN_FILE = "results/runs/{agent}/{repo}/{commit}/{k}/run.json"
JUDGE_FILE = "results/judge/{agent}/{repo}/{commit}/{k}.json"


def uniform(function, values):
    """``function``, or the one value it would return for every job when all ``values`` agree."""
    values = set(values)
    return values.pop() if len(values) == 1 else function


def as_bool(value) -> bool:
    """A config flag; a nested --config value arrives as a string ('judge={enabled: true}')."""
    return str(value).lower() == "true"


@dataclass
class Study:
    config: dict
    project: Path  # the workflow's own folder (prompts, recipes, published data)
    repos: list[str] = field(init=False)
    agents: dict[str, dict] = field(init=False)
    tasks: dict[str, list[TaskEntry]] = field(init=False)

    def __post_init__(self) -> None:
        self.project = Path(self.project)
        self.repos = sorted(self.config["repos"])
        self.agents = agent_table(self.config["agents"])
        # An empty commit list is allowed until a job needs its tasks: a study made by `isobench
        # init` mines its history for candidates before any task is listed.
        self.tasks = {
            r: load_commit_list(self.config["repos"][r]["commits"], allow_empty=True)
            for r in self.repos
        }
        self.entries = {(r, e.commit): e for r in self.repos for e in self.tasks[r]}
        self._digests: dict[str, dict] = {}

    # --- the workflow's own files ------------------------------------------------------------
    def project_file(self, relative: str) -> str:
        """A file of the workflow, relative to the working directory when it is inside it."""
        path = self.project / relative
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    def per_task_file(self, paper_dir: str) -> str:
        """The per-task rows the paper's tables of ``results/{paper_dir}/`` are derived from."""
        from isobench.paper.sets import PAPER_SETS, STUDY_PER_TASK

        return (
            STUDY_PER_TASK
            if paper_dir not in PAPER_SETS
            else self.project_file(PAPER_SETS[paper_dir])
        )

    def prompt(self, name: str) -> str:
        return self.project_file(PROMPT.format(name))

    # --- stages that are on or off ---------------------------------------------------------
    @property
    def mining_llm(self) -> bool:
        return self.config["mining"]["classifier"] == "llm"

    @property
    def synthesis_llm(self) -> bool:
        return self.config["synthesis"]["source"] == "llm"

    @property
    def judge(self) -> bool:
        return as_bool(self.config["judge"]["enabled"])

    def stage_model(self, section: str) -> str:
        """The model of one LLM stage: its own `model`, else llm.model."""
        return self.config[section].get("model") or self.config["llm"]["model"]

    # --- files of every attempt ---------------------------------------------------------------
    def attempts(self, agent: str) -> range:
        return range(1, self.agents[agent]["attempts"] + 1)

    def attempt_counts(self) -> dict[str, int]:
        """K of every agent (the Opt@K table lists K = 1..K)."""
        return {agent: entry["attempts"] for agent, entry in self.agents.items()}

    def listed_tasks(self, repo: str) -> list[TaskEntry]:
        """The tasks of a repository whose aggregate a job needs: none is an error then."""
        if not self.tasks[repo]:
            raise empty_commit_list(self.config["repos"][repo]["commits"])
        return self.tasks[repo]

    def attempt_files(self, repo: str, pattern: str, require: bool = True) -> list[str]:
        """One path per (agent, task, attempt) of a repository."""
        tasks = self.listed_tasks(repo) if require else self.tasks[repo]
        return [
            pattern.format(agent=a, repo=repo, commit=e.commit, k=k)
            for a in self.agents
            for e in tasks
            for k in self.attempts(a)
        ]

    def task_records(self, repo: str) -> list[str]:
        return [f"results/tasks/{repo}/{e.commit}/task.json" for e in self.listed_tasks(repo)]

    def all_attempt_files(self, pattern: str) -> list[str]:
        """Every listed attempt (parse time: a repository without tasks adds none)."""
        return [p for repo in self.repos for p in self.attempt_files(repo, pattern, False)]

    def agent_runs(self, agent: str) -> list[str]:
        """Every attempt's run.json of one agent, over all repositories and tasks."""
        return [
            RUN_FILE.format(agent=agent, repo=r, commit=e.commit, k=k)
            for r in self.repos
            for e in self.tasks[r]
            for k in self.attempts(agent)
        ]

    def llm_call_records(self) -> list[str]:
        """Every output that carries per-call LLM records (summed into results/llm_costs.csv)."""
        records = []
        for repo in self.repos:
            if self.mining_llm:
                records.append(f"results/mining/{repo}/summary.json")
            if self.synthesis_llm:
                records += [
                    f"results/tasks/{repo}/{e.commit}/synthesis.json" for e in self.tasks[repo]
                ]
            if self.judge:
                records += self.attempt_files(repo, JUDGE_FILE, require=False)
        return records

    # --- wildcards and per-job values ---------------------------------------------------------
    def wildcard_pattern(self, name: str) -> str:
        """The regular expression of the ``repo`` or ``agent`` wildcard: the configured names."""
        names = self.repos if name == "repo" else list(self.agents)
        return "|".join(re.escape(n) for n in names)

    def per_agent(self, value_of):
        """``value_of(agent)`` for a rule, as one plain value when every agent has the same."""
        return uniform(lambda wc: value_of(wc.agent), map(value_of, self.agents))

    def per_repo(self, value_of):
        """``value_of(repo)`` for a rule, as one plain value when every repository has the same."""
        return uniform(lambda wc: value_of(wc.repo), map(value_of, self.repos))

    # --- params: what changes an answer ------------------------------------------------------
    def prediction_digest(self, agent: dict, repo: str, commit: str, k: int) -> str:
        path = agent["predictions"]
        if path not in self._digests:  # read once per DAG build, not once per job
            self._digests[path] = prediction_digests(path)
        digests = self._digests[path]
        return digests.get((instance_id(repo, commit), k)) or digests.get(("*", 0), "none")

    def agent_params(self, agent_id: str, repo: str, commit: str, k: int) -> dict:
        """The agent entry an attempt gets (see the module docstring)."""
        agent = self.agents[agent_id]
        if agent["adapter"] in BUILTIN_ADAPTERS:
            entry = {key: v for key, v in agent.items() if key in BUILTIN_AGENT_KEYS}
            if agent.get("predictions"):
                entry["prediction_digest"] = self.prediction_digest(agent, repo, commit, k)
            return entry
        entry = {key: v for key, v in agent.items() if key != "attempts"}
        entry["run_dir"] = RUN_FILE.format(agent=agent_id, repo=repo, commit=commit, k=k)[
            : -len("/run.json")
        ]
        if agent["adapter"] == "mini":
            shared = {
                key: v
                for key, v in (self.config.get("llm") or {}).items()
                if key in LLM_CLIENT_KEYS
            }
            entry["llm"] = {**shared, **(agent.get("llm") or {})}
        return entry

    def llm_slots_of(self, agent_id: str) -> int:
        """One `llm_api` slot for an attempt of a model-backed agent (limits concurrent agents)."""
        return 0 if self.agents[agent_id]["adapter"] in BUILTIN_ADAPTERS else 1

    def repo_gpus(self, repo: str) -> int:
        """GPUs of one bench job (0 or 1): the resource Snakemake and SLURM schedule by."""
        return int(self.config["repos"][repo].get("gpus", 0))

    def serving_settings(self, repo: str, commit: str) -> dict:
        """What the perf test of a server-started serving task is made from ({}: not one)."""
        entry = self.entries[(repo, commit)]
        spec = entry.spec or {}
        serve = self.config["repos"][repo].get("serve", False)
        if self.synthesis_llm or not (serve and spec.get("mode") == "serving"):
            return {}
        gate = self.config["correctness"]
        settings = {key: gate[key] for key in ("greedy_prompts", "greedy_tokens", "lm_eval")}
        return {**settings, "timeout_s": self.config["evaluation"]["timeout_s"]}

    def correctness_policy(self, repo: str) -> dict:
        """How the bench stage judges the gates' outputs ({} where no server is started)."""
        if not self.config["repos"][repo].get("serve", False):
            return {}
        gate = self.config["correctness"]
        return {key: gate[key] for key in ("prefix_tokens", "min_share", "lm_eval_tolerance")}

    def synthesis_settings(self) -> dict:
        """What changes an LLM-written test (empty for command tests, so they never re-run on it)."""
        if not self.synthesis_llm:
            return {}
        evaluation = self.config["evaluation"]
        return {
            "model": self.stage_model("synthesis"),
            "max_repairs": self.config["synthesis"]["max_repairs"],
            "timeout_s": evaluation["timeout_s"],
            # The executor the candidates are validated with: the bench stage's own.
            "executor": evaluation["executor"],
            "docker": dict(evaluation.get("docker") or {}),
            "cpu_threads": evaluation["cpu_threads"],
        }

    # --- inputs ---------------------------------------------------------------------------
    def repo_sources(self, repo: str) -> list[str]:
        """The demo's patch series is an input, so editing it rebuilds the repository."""
        cfg = self.config["repos"][repo]
        if cfg["source"] != "demo":
            return []
        series = Path(cfg["series"])
        return [str(series)] + sorted(str(p) for p in (series.parent / "patches").glob("*"))

    def repo_recipe(self, repo: str) -> str:
        """The repository's image recipe: a folder of the study, else one of the workflow's own."""
        recipe = self.config["repos"][repo].get("recipe", "envs/docker/python")
        return recipe if Path(recipe).is_dir() else self.project_file(recipe)

    def recipe_files(self, repo: str) -> list[str]:
        """With the docker executor, an edited recipe re-records (and rebuilds) the environment."""
        if self.config["evaluation"]["executor"] != "docker":
            return []
        return sorted(str(p) for p in Path(self.repo_recipe(repo)).rglob("*") if p.is_file())

    def synthesis_inputs(self, repo: str, commit: str) -> dict:
        """The task, the files its command uses from outside the repository (editing one re-makes
        this perf test only), and for LLM synthesis the repository and the prompts."""
        inputs: dict = {"task": f"results/tasks/{repo}/{commit}/task.json"}
        if self.synthesis_llm:
            inputs["repo"] = f"results/repos/{repo}.json"
            # Candidates are validated in the environment the bench stage times them in.
            inputs["env"] = f"results/envs/{repo}/{commit}.json"
            inputs["prompts"] = [self.prompt("synthesize_test_v1"), self.prompt("repair_test_v1")]
        elif self.entries[(repo, commit)].perf_inputs:
            inputs["perf_inputs"] = list(self.entries[(repo, commit)].perf_inputs)
        return inputs

    def mining_inputs(self, repo: str) -> dict:
        """The classifier's prompt is an input, so editing it re-classifies."""
        inputs = {"repo": f"results/repos/{repo}.json"}
        if self.mining_llm:
            inputs["prompt"] = self.prompt("classify_v1")
        return inputs
