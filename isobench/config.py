"""Loading and checking the inputs named by the config: commit lists and agent entries.

Everything here runs at DAG-build time, so it reads only small YAML files: no git, no network.
Errors name the file, the line and the fix, because a researcher meets them before any job runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import yaml

from isobench.bench import metric_catalog  # the standard library only: cheap at DAG-build time

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "config" / "schemas"


class ConfigError(ValueError):
    """A problem in a user-supplied config or list, with the place and the fix in the message."""


# Optional commit-list keys that go into the task record (and the dataset) unchanged.
EXTRA_KEYS = (
    "pr_url",
    "pr_date",
    "timeline_extracted_at",
    "analysis_extracted_at",
    "affected_paths",
    "hardware",
    "item_id",
    "perf_command_source",
    "dataset_perf_command",
    "fixes",
    "caveats",
)


@dataclass(frozen=True)
class TaskEntry:
    """One line of a commit list: the human commit, its benchmark command and metric."""

    commit: str
    perf_command: str
    mode: str | None
    primary_metric: str | None
    models: tuple[str, ...]
    parent: str | None
    line: int
    direction: str | None = None
    # Files the command uses from outside the repository; inputs of the perf test, not the task.
    perf_inputs: tuple[str, ...] = ()
    gpus: int | None = None  # None: not stated (a GPU repository's tasks then need 1)
    spec: dict | None = None  # the structured benchmark spec (isobench.tasks.benchspec)
    lm_eval_commands: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)  # EXTRA_KEYS given by the list

    def as_params(self) -> dict:
        """The values a task record depends on (the line number is not one of them)."""
        return {
            "commit": self.commit,
            "parent": self.parent,
            "perf_command": self.perf_command,
            "mode": self.mode,
            "primary_metric": self.primary_metric,
            "direction": self.direction,
            "models": list(self.models),
            "gpus": self.gpus,
            "spec": self.spec,
            "lm_eval_commands": list(self.lm_eval_commands),
            "extra": dict(self.extra),
        }

    @classmethod
    def from_params(cls, params: dict, line: int) -> TaskEntry:
        values = {**params, "models": tuple(params["models"]), "line": line}
        values["lm_eval_commands"] = tuple(params.get("lm_eval_commands") or ())
        return cls(**values)

    def needed_gpus(self) -> int | None:
        """GPUs one run needs, when the list or the command says (None: not stated)."""
        if self.gpus is not None:
            return self.gpus
        tp = (self.spec or {}).get("tensor_parallel", 1)
        return tp if tp > 1 else None


def _load_schema(name: str) -> dict:
    with open(SCHEMA_DIR / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_commit_list(path: str | Path, allow_empty: bool = False) -> list[TaskEntry]:
    """Read and validate a task source; errors name the list, the line and the commit.

    A YAML commit list (config/commits/*.yaml), or an ISO-Bench dataset file (``.jsonl`` or
    ``.parquet``, e.g. the published dataset): its rows become entries (``isobench.dataset``).
    An empty list is an error (:func:`empty_commit_list`) unless ``allow_empty``.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"commit list {path} does not exist. Fix: create it (see config/commits/*.yaml for the "
            f"format) or correct repos.<name>.commits in the config."
        )
    if path.suffix in (".jsonl", ".parquet"):
        from isobench.dataset import read_dataset_entries

        data, lines = read_dataset_entries(path)
        return _entries(path, data, lambda index: lines[index], allow_empty)
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"commit list {path} is not valid YAML: {exc}") from exc

    def line_of(index: int) -> int:
        try:
            return root.value[index].start_mark.line + 1
        except (AttributeError, IndexError, TypeError):
            return 1

    return _entries(path, data, line_of, allow_empty)


def empty_commit_list(path: str | Path) -> ConfigError:
    return ConfigError(
        f"commit list {path} has no tasks. Fix: add one entry per human performance commit "
        f"(`commit` and `perf_command`; see config/schemas/commits.schema.yaml)."
    )


def _entries(path: Path, data, line_of, allow_empty: bool = False) -> list[TaskEntry]:
    """Validated entries of a parsed list; ``line_of(index)`` is the entry's line in the file."""
    if not data:
        if allow_empty:
            return []
        raise empty_commit_list(path)
    validator = jsonschema.Draft202012Validator(_load_schema("commits.schema.yaml"))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = list(err.absolute_path)
        line = line_of(where[0]) if where and isinstance(where[0], int) else 1
        field = ".".join(str(p) for p in where[1:]) or "(entry)"
        raise ConfigError(
            f"{path}, line {line}: {field}: {err.message}. Fix: each entry needs a full 40-hex "
            f"`commit` and a `perf_command` (see config/schemas/commits.schema.yaml)."
        )
    entries: list[TaskEntry] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(data):
        line = line_of(index)
        commit = item["commit"]
        if commit in seen:
            raise ConfigError(
                f"{path}, line {line}: commit {commit} is listed twice (first at line "
                f"{seen[commit]}). Fix: keep one entry per commit."
            )
        seen[commit] = line
        entries.append(_entry(path, item, line))
    return entries


def _entry(path: Path, item: dict, line: int) -> TaskEntry:
    from isobench.tasks.benchspec import bench_spec  # small; not imported by the demo's callers

    command = item["perf_command"].strip()
    spec = item.get("spec")
    if spec is None:
        # The metric and its direction must be known before any job runs.
        mode, primary = item.get("mode"), item.get("primary_metric")
        try:
            spec = bench_spec(command, mode, primary, item.get("direction"))
        except (ValueError, KeyError) as exc:  # an unparseable command line, an unknown metric
            mode = mode or metric_catalog.benchmark_mode(command)
            raise ConfigError(
                f"{path}, line {line}: commit {item['commit']} (mode {mode}): {exc}."
            ) from None
    perf_inputs = tuple(item.get("perf_inputs") or ())
    _check_perf_inputs(perf_inputs, f"{path}, line {line}")
    return TaskEntry(
        commit=item["commit"],
        perf_command=command,
        mode=item.get("mode"),
        primary_metric=item.get("primary_metric"),
        models=tuple(item.get("models") or ()),
        parent=item.get("parent"),
        line=line,
        direction=item.get("direction"),
        perf_inputs=perf_inputs,
        gpus=item.get("gpus"),
        spec=spec,
        lm_eval_commands=tuple(item.get("lm_eval_commands") or ()),
        extra={k: item[k] for k in EXTRA_KEYS if k in item},
    )


def _check_perf_inputs(paths: tuple[str, ...], where: str) -> None:
    names: dict[str, str] = {}
    for path in paths:
        if not Path(path).is_file():
            raise ConfigError(
                f"{where}: perf input {path} is not a file. Fix: give the path of a file the "
                "command uses, relative to the working directory (the study directory) or absolute."
            )
        name = Path(path).name
        if name in names:
            raise ConfigError(
                f"{where}: perf inputs {names[name]} and {path} have the same file name {name!r} "
                f"(both would be $ISOBENCH_INPUTS/{name}). Fix: rename one of them."
            )
        names[name] = path


def agent_table(agents: list[dict]) -> dict[str, dict]:
    """Agents by id, with defaults filled; duplicate ids are an error."""
    table: dict[str, dict] = {}
    for agent in agents:
        agent_id = agent["id"]
        if agent_id in table:
            raise ConfigError(
                f"agent id {agent_id!r} is configured twice. Fix: give each agent a unique id."
            )
        entry = {"attempts": 1, **agent}
        if entry["adapter"] == "predictions" and not entry.get("predictions"):
            raise ConfigError(
                f"agent {agent_id!r} uses the predictions adapter but names no `predictions` file. "
                f"Fix: add `predictions: path/to/predictions.jsonl`."
            )
        if entry.get("predictions") and not Path(entry["predictions"]).is_file():
            # Checked here because the file is not a job input (see prediction_digest).
            raise ConfigError(
                f"agent {agent_id!r}: predictions file {entry['predictions']} does not exist. "
                "Fix: set agents[].predictions to a SWE-bench/GSO predictions JSONL file "
                "(relative to the working directory)."
            )
        table[agent_id] = entry
    return table


def instance_id(repo: str, commit: str) -> str:
    """The SWE-bench/GSO-style instance id of a task."""
    return f"{repo}-{commit[:12]}"
