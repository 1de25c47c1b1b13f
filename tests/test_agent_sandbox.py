"""An agent cannot read the study: the human commit and other tasks' data are out of its reach.

A probe CLI (standing in for claude) tries every way out we know of: the study's results/ (task
records carry the human diff), the task's repository (it holds the human commit), the LLM store,
the workflow's processes through /proc, and writing into the study. Sandboxing needs bubblewrap:
without it the test skips, except under CI (`CI` set), where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import sys

import pytest

from isobench.agents import run_agent
from isobench.agents.sandbox import SandboxError, build_sandbox

PROBE = """#!{python}
import glob, json, os, subprocess, sys
if sys.argv[1:] == ["--version"]:
    print("probe 1.0")
    sys.exit(0)
t = json.loads(os.environ["PROBE_TARGETS"])
seen = {{}}
def attempt(name, fn):
    try:
        seen[name] = fn()
    except Exception as exc:
        seen[name] = "DENIED " + type(exc).__name__
attempt("secret", lambda: open(t["secret"]).read())
attempt("results", lambda: sorted(os.listdir(t["results"])))
attempt("store", lambda: sorted(os.listdir(t["store"])))
attempt("archive", lambda: sorted(os.listdir(t["archive"])))
attempt("human_commit", lambda: subprocess.run(
    ["git", "-C", t["repo"], "cat-file", "-p", t["human"]],
    capture_output=True, text=True).stdout)
leaks = []
for cwd in glob.glob("/proc/[0-9]*/cwd"):
    try:
        leaks += os.listdir(os.path.join(cwd, "results"))
    except OSError:
        pass
seen["proc_leaks"] = leaks
attempt("write", lambda: open(os.path.join(t["study"], "planted.txt"), "w").write("x"))
with open("work.py") as handle:
    text = handle.read()
with open("work.py", "w") as handle:
    handle.write(text.replace("DELAY = 0.12", "DELAY = 0.03"))
with open(t["log"], "w") as handle:
    json.dump(seen, handle)
print(json.dumps({{"type": "result", "subtype": "success", "is_error": False, "num_turns": 1}}))
"""


def require_bwrap() -> None:
    if shutil.which("bwrap") is None:
        reason = "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so the agent sandbox must be tested: {reason}")
        pytest.skip(reason)


def test_agent_cannot_read_the_study_or_the_human_commit(task, toy_repo, tmp_path, monkeypatch):
    require_bwrap()
    study = tmp_path / "study"  # the workflow's working directory
    (study / "results" / "tasks").mkdir(parents=True)
    secret = study / "results" / "tasks" / "task.json"
    secret.write_text(json.dumps({"commit_hash": toy_repo["perf"], "diff": "the human diff"}))
    store = tmp_path / "llm-store"
    (store / "ab").mkdir(parents=True)
    archive = tmp_path / "run-archive"  # another attempt's run, outside the study
    (archive / "cd" / "cdef").mkdir(parents=True)
    probe = tmp_path / "probe-agent"
    probe.write_text(PROBE.format(python=sys.executable))
    probe.chmod(0o755)
    log = tmp_path / "probe.json"
    targets = {
        "secret": str(secret),
        "results": str(study / "results"),
        "store": str(store),
        "archive": str(archive),
        "repo": str(toy_repo["path"]),
        "human": toy_repo["perf"],
        "study": str(study),
        "log": str(log),
    }
    monkeypatch.setenv("PROBE_TARGETS", json.dumps(targets))
    monkeypatch.chdir(study)
    agent = {
        "id": "probe",
        "adapter": "claude_code",
        "command": str(probe),
        "sandbox": "bwrap",
        "llm": {"store": str(store)},
        "run_archive": str(archive),
    }
    result = run_agent(task, toy_repo["path"], agent, 1)

    seen = json.loads(log.read_text())
    assert seen["secret"].startswith("DENIED")
    assert seen["results"] == [] or seen["results"].startswith("DENIED")
    assert seen["store"] == [] or seen["store"].startswith("DENIED")
    assert seen["archive"] == [] or seen["archive"].startswith("DENIED")
    assert toy_repo["perf"] not in json.dumps(seen) and "the human diff" not in json.dumps(seen)
    assert seen["human_commit"] == ""
    assert seen["proc_leaks"] == []
    assert not (study / "planted.txt").exists()
    # the workspace itself is the agent's: its edit is the patch
    assert result.status == "ok", result.reason
    assert b"+DELAY = 0.03" in result.patch
    sandbox = result.details["sandbox"]
    assert sandbox["mode"] == "bwrap"
    assert {str(study), str(toy_repo["path"]), str(store), str(archive)} <= set(sandbox["hidden"])


def test_required_sandbox_without_bwrap_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on it
    with pytest.raises(SandboxError, match="apt-get install bubblewrap"):
        build_sandbox("bwrap", hide=[tmp_path], writable=[tmp_path])
    auto = build_sandbox("auto", hide=[tmp_path], writable=[tmp_path])
    assert auto.mode == "none" and "UNSANDBOXED" in auto.record()["note"]
