"""The embedded demo through `snakemake results/opt_at_k.csv` with a mini agent, K = 2 attempts.

The model is the loopback fake provider. Its script stands in for a model that knows the answer:
attempt 1 runs a command that finds the task by the workspace's tree and applies the human change
to it; attempt 2 submits without editing. So mini must score exactly what the oracle scores at
K = 1 (the human diff, every human-valid task optimized), and every attempt 2 must be an empty
patch.
"""

from __future__ import annotations

import sys

import pandas as pd
import yaml

from isobench import gitutil
from isobench.io import read_json
from tests.fake_provider import FakeProvider, Reply, ToolCall
from tests.workflow_helpers import copy_project, snakemake

SUBMIT = "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"

# Run by mini inside the agent's workspace: the test's knowledge of the answer, not the agent's.
APPLY_HUMAN_CHANGE = """
import json, os, subprocess, sys
project, commits = sys.argv[1], sys.argv[2:]
repo = os.path.join(project, json.load(open(project + "/results/repos/minserve.json"))["path"])
git = lambda *a: subprocess.run(["git", *a], capture_output=True, text=True, check=True).stdout
tree = git("rev-parse", "HEAD^{tree}").strip()
for commit in commits:
    if git("-C", repo, "rev-parse", commit + "^^{tree}").strip() == tree:
        diff = git("-C", repo, "diff", "--binary", commit + "^", commit)
        subprocess.run(["git", "apply"], input=diff, text=True, check=True)
        print("applied the change of", commit[:12])
        break
else:
    sys.exit("no task has this tree")
"""


def test_demo_with_a_mini_agent_for_k_attempts(tmp_path, monkeypatch):
    copy_project(tmp_path)
    helper = tmp_path / "apply_human_change.py"
    helper.write_text(APPLY_HUMAN_CHANGE)
    config_path = tmp_path / "config" / "config.yaml"
    config = yaml.safe_load(config_path.read_text())
    commits = [
        e["commit"]
        for e in yaml.safe_load((tmp_path / config["repos"]["minserve"]["commits"]).read_text())
    ]
    apply = f"{sys.executable} {helper} {tmp_path} {' '.join(commits)}"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-demo-mini-0123456789")

    def respond(request: dict):
        body = request["body"]
        done = sum(1 for m in body.get("messages", []) if m.get("role") == "tool")
        steps = [apply, SUBMIT] if body.get("seed") == 1 else [SUBMIT]
        command = steps[min(done, len(steps) - 1)]
        return Reply("Next step.", tool_calls=[ToolCall("bash", {"command": command})])

    with FakeProvider(default=respond) as fake:
        config["agents"] = [
            {
                "id": "mini-fake",
                "adapter": "mini",
                "model": "openai/fake-coder",
                "attempts": 2,
                "api_base": fake.api_base,
                "env": ["OPENAI_API_KEY"],
                "budgets": {"turns": 6, "wall_clock_s": 120},
                "llm": {"mode": "record", "store": str(tmp_path / "store"), "max_retries": 0},
            },
        ]
        config["evaluation"]["repetitions"] = 3
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        proc = snakemake(tmp_path, "--cores", "2", "results/opt_at_k.csv", timeout=1500)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-6000:]
        # identical requests (tasks with the same prompt) are answered once, from the store
        assert fake.count > 0

    runs = tmp_path / "results" / "runs" / "mini-fake" / "minserve"
    repo = tmp_path / read_json(tmp_path / "results" / "repos" / "minserve.json")["path"]
    for commit in commits:
        first = read_json(runs / commit / "1" / "run.json")
        second = read_json(runs / commit / "2" / "run.json")
        assert first["status"] == "ok" and first["turns"] == 2, first
        assert second["status"] == "empty_patch", second
        human = gitutil.diff(repo, commit + "^", commit)
        assert (runs / commit / "1" / "patch.diff").read_text() == human

    scores = pd.read_csv(tmp_path / "results" / "scores" / "minserve.csv")
    opt = pd.read_csv(tmp_path / "results" / "opt_at_k.csv").set_index(["agent", "k"])
    assert set(scores[scores.agent == "mini-fake"].k) == {1, 2}
    assert opt.loc[("mini-fake", 1), "n_tasks"] >= 5  # the demo's 6 perf tasks, up to noise
    # the human's own patches: optimized wherever the human change is (up to measurement noise)
    assert opt.loc[("mini-fake", 1), "opt_at_k"] >= 0.8
    assert opt.loc[("mini-fake", 2), "opt_at_k"] == opt.loc[("mini-fake", 1), "opt_at_k"]
