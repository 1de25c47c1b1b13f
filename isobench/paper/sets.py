"""Which per-task file each output directory of the paper's tables and figures is derived from.

``results/paper/`` is the paper's four agents (the published tables); ``results/paper/six_agents/``
adds the two OpenHands agents of the project's later data; ``results/paper/study/`` is this
study's own runs (``results/scores/per_task.csv``, attempt 1 of every agent on every task).
"""

from __future__ import annotations

PAPER_SETS = {
    "paper": "data/paper/isobench_paper_per_task.csv",
    "paper/six_agents": "data/paper/isobench_paper_set_6agents.csv",
}
STUDY_SET = "paper/study"
STUDY_PER_TASK = "results/scores/per_task.csv"
SETS = (*PAPER_SETS, STUDY_SET)
PAPER_SET_TITLES = {
    "paper": "four agents (published)",
    "paper/six_agents": "six agents (with OpenHands)",
    STUDY_SET: "this study's runs",
}


def paper_set_title(wildcards) -> str:
    return PAPER_SET_TITLES[wildcards.paper_dir]
