"""Which published per-task file each paper output directory is derived from (used by the rules).

``results/paper/`` is the paper's four agents (the published tables); ``results/paper/six_agents/``
adds the two OpenHands agents of the project's later data.
"""

from __future__ import annotations

PAPER_SETS = {
    "paper": "data/paper/isobench_paper_per_task.csv",
    "paper/six_agents": "data/paper/isobench_paper_set_6agents.csv",
}
PAPER_SET_TITLES = {
    "paper": "four agents (published)",
    "paper/six_agents": "six agents (with OpenHands)",
}


def per_task_file(wildcards) -> str:
    """Input function: the per-task file of ``results/{paper_dir}/``."""
    return PAPER_SETS[wildcards.paper_dir]


def paper_set_title(wildcards) -> str:
    return PAPER_SET_TITLES[wildcards.paper_dir]
