"""Loading and checking the inputs named by the config: commit lists and agent entries.

Everything here runs at DAG-build time, so it reads only small YAML files: no git, no network.
Errors name the file, the line and the fix, because a researcher meets them before any job runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jsonschema
import yaml

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "config" / "schemas"


class ConfigError(ValueError):
    """A problem in a user-supplied config or list, with the place and the fix in the message."""


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
        }


def _load_schema(name: str) -> dict:
    with open(SCHEMA_DIR / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_commit_list(path: str | Path) -> list[TaskEntry]:
    """Read and validate a commit list; errors name the list, the line and the commit."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"commit list {path} does not exist. Fix: create it (see config/commits/*.yaml for the "
            f"format) or correct repos.<name>.commits in the config."
        )
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

    if not data:
        raise ConfigError(
            f"commit list {path} has no tasks. Fix: add one entry per human performance commit "
            f"(`commit` and `perf_command`; see config/schemas/commits.schema.yaml)."
        )
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
        entry = TaskEntry(
            commit=commit,
            perf_command=item["perf_command"].strip(),
            mode=item.get("mode"),
            primary_metric=item.get("primary_metric"),
            models=tuple(item.get("models") or ()),
            parent=item.get("parent"),
            line=line,
            direction=item.get("direction"),
            perf_inputs=tuple(item.get("perf_inputs") or ()),
        )
        _check_metric(entry, f"{path}, line {line}")
        _check_perf_inputs(entry, f"{path}, line {line}")
        entries.append(entry)
    return entries


def _check_metric(entry: TaskEntry, where: str) -> None:
    """A task's metric and its direction must be known before any job runs."""
    from isobench import parsers  # pure functions, no heavy imports

    mode = entry.mode or parsers.benchmark_mode(entry.perf_command)
    try:
        primary = entry.primary_metric or parsers.default_primary_metric(mode)
        if entry.direction is None:
            parsers.metric_direction(primary, mode)
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"{where}: commit {entry.commit} (mode {mode}): {exc}.") from None


def _check_perf_inputs(entry: TaskEntry, where: str) -> None:
    names: dict[str, str] = {}
    for path in entry.perf_inputs:
        if not Path(path).is_file():
            raise ConfigError(
                f"{where}: perf input {path} is not a file. Fix: give the path of a file the "
                "command uses, relative to the working directory (the study directory) or absolute."
            )
        name = Path(path).name
        if name in names:
            raise ConfigError(
                f"{where}: perf inputs {names[name]} and {path} have the same file name {name!r} "
                "(both would be $ISOBENCH_INPUTS/" + name + "). Fix: rename one of them."
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
