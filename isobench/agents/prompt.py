"""The task prompt of the coding agents: ``config/prompts/<agent.prompt>.md`` rendered for a task.

What goes in (see the template's header): the repository's name, the task's benchmark command,
the scratch directory and, only when ``disclose_target_files`` is set, the files the human commit
changed. What never goes in: the human diff, its commit message or subject, its sha, absolute
paths. ``prompt_hash`` in run.json is the sha256 of the template file (the prompt's version);
``prompt_sha256`` in the run's details is the sha256 of the rendered text (what this task got).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from isobench.llm import PromptTemplate, prompt_path

DEFAULT_PROMPT = "agent_task_v1"
SCRATCH_DIR = ".bench_scratch"


@dataclass(frozen=True)
class TaskPrompt:
    name: str  # template name, e.g. agent_task_v1
    template_sha256: str  # sha256 of the template file: run.json prompt_hash
    system: str  # the template's system section ("" when it has none)
    text: str  # the rendered task (user section)
    mini_protocol: str  # how the mini agent acts and stops ("" when the template has none)

    @property
    def sha256(self) -> str:
        """sha256 of the rendered task text."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def load_template(name: str | None = None, directory: str | Path | None = None) -> PromptTemplate:
    path = prompt_path(name or DEFAULT_PROMPT, directory)
    if not path.is_file():
        raise FileNotFoundError(
            f"agent prompt template {path} does not exist. Fix: set agents[].prompt to the name "
            f"of a file in config/prompts/ (without .md), e.g. {DEFAULT_PROMPT}."
        )
    template = PromptTemplate.load(path)
    if "user" not in template.sections:
        raise ValueError(f"agent prompt template {path} has no '=== user ===' section")
    return template


def render_task_prompt(task: dict, agent: dict, directory: str | Path | None = None) -> TaskPrompt:
    """The prompt of ``task`` for ``agent`` (its ``prompt`` and ``disclose_target_files`` keys)."""
    template = load_template(agent.get("prompt"), directory)
    targets = ""
    if agent.get("disclose_target_files"):
        files = "\n".join(f"- {path}" for path in task.get("files_changed") or [])
        if files and "targets" in template.sections:
            targets = "\n" + template.render("targets", target_files=files) + "\n"
    values = {
        "repo": task["repo"],
        "perf_command": task["perf_command"],
        "scratch": SCRATCH_DIR,
        "targets": targets,
    }
    text = template.render("user", **values).strip() + "\n"
    system = template.render("system", **values).strip() if "system" in template.sections else ""
    protocol = (
        template.render("mini_protocol", **values).strip()
        if "mini_protocol" in template.sections
        else ""
    )
    return TaskPrompt(template.name, template.sha256, system, text, protocol)
