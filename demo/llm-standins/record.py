"""Record the demo's LLM store from authored stand-in answers (no real model, no key).

    .venv/bin/python demo/llm-standins/record.py

Starts the loopback fake provider (tests/support/fake_provider/), which answers from
answers.yaml and synthesis/*.py, and runs the demo workflow's LLM stages (results/llm_costs.csv:
the classifier, LLM test synthesis with its validation runs, and the judge) with llm.mode=record,
so demo/llm-store/ ends up holding exactly the requests the workflow makes with these answers. It
works in a scratch copy of the project (results there are thrown away); the store it fills is
this checkout's demo/llm-store. Existing entries are kept (the first recording wins): delete the
store first to re-record everything.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from isobench.judge import parse_patch  # noqa: E402
from tests.support.fake_provider import FakeProvider, Reply  # noqa: E402

STORE = ROOT / "demo" / "llm-store"
GARBAGE = "I would need to look at this more closely before deciding."


def _user(body: dict) -> str:
    return next(m["content"] for m in body["messages"] if m["role"] == "user")


def _rounds(body: dict) -> int:
    return sum(1 for m in body["messages"] if m["role"] == "assistant")


class Standins:
    def __init__(self) -> None:
        answers = yaml.safe_load((HERE / "answers.yaml").read_text())
        self.classify = answers["classify"]
        self.judge = answers["judge"]
        labels = ROOT / "demo" / "minserve" / "labels.csv"
        rows = list(csv.DictReader(labels.open()))
        self.sha_by_subject = {r["subject"]: r["sha"] for r in rows}
        self.attempt_by_patch: dict[tuple[str, str], str] = {}
        seen: dict[str, int] = {}
        for line in (ROOT / "demo" / "predictions" / "minserve.jsonl").read_text().splitlines():
            pred = json.loads(line)
            k = seen[pred["instance_id"]] = seen.get(pred["instance_id"], 0) + 1
            self.attempt_by_patch[(pred["instance_id"], _changes(pred["model_patch"]))] = k

    def __call__(self, request: dict) -> Reply:
        body = request["body"]
        user = _user(body)
        if user.startswith("Commit subject:"):
            return Reply(self._classify(body, user))
        if user.startswith("Commit: "):
            return Reply(self._synthesize(body, user))
        if user.startswith("## Task"):
            return Reply(self._judge(body, user))
        raise ValueError(f"no stand-in for request starting {user[:60]!r}")

    def _classify(self, body: dict, user: str) -> str:
        subject = user.split("\n", 1)[0].removeprefix("Commit subject:").strip()
        entry = self.classify[self.sha_by_subject[subject][:12]]
        if entry.get("garbage_first") and _rounds(body) == 0:
            return GARBAGE
        return f"[REASON]{entry['reason']}[/REASON]\n[ANSWER]{entry['answer']}[/ANSWER]"

    def _synthesize(self, body: dict, user: str) -> str:
        sha = user.split("\n", 1)[0].removeprefix("Commit:").strip()
        path = HERE / "synthesis" / f"{sha[:12]}.r{_rounds(body)}.py"
        code = path.read_text()
        return f"```python\n{code}```"

    def _judge(self, body: dict, user: str) -> str:
        sha12 = re.search(r"Commit ([0-9a-f]{12})", user).group(1)
        instance = f"minserve-{sha12}"
        human = _section(user, "## Human optimization (reference diff)")
        agent = _section(user, "## Agent patch")
        # The harness recomputes every patch from the agent's tree, so match on the changes,
        # not on the diff text (index lines and context may differ).
        attempt = (
            "oracle"
            if _changes(agent) == _changes(human)
            else self.attempt_by_patch[(instance, _changes(agent))]
        )
        entry = self.judge[instance][attempt]
        if entry.get("garbage_first") and _rounds(body) == 0:
            return json.dumps({"bottleneck_target": {"category": "similar"}})
        return json.dumps(
            {
                "bottleneck_target": {
                    "category": entry["target"],
                    "human_target": entry["human_target"],
                    "agent_target": entry["agent_target"],
                    "discussion": entry["discussion"],
                },
                "approach_comparison": {
                    "category": entry["approach"],
                    "discussion": entry["discussion"],
                },
            },
            indent=2,
        )


def _changes(patch: str) -> tuple:
    files, changed = parse_patch(patch)
    return tuple(sorted(files)), tuple(changed)


def _section(text: str, heading: str) -> str:
    body = text.split(heading, 1)[1]
    return body.split("```diff\n", 1)[1].split("\n```", 1)[0]


def main() -> int:
    with FakeProvider(default=Standins()) as fake, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "project"
        shutil.copytree(
            ROOT,
            work,
            ignore=shutil.ignore_patterns(
                ".git", ".venv", "results", "logs", ".snakemake", "llm-store", "__pycache__"
            ),
        )
        override = {
            "llm": {"mode": "record", "store": str(STORE), "api_base": fake.api_base},
            "mining": {"classifier": "llm", "keywords": []},
            "synthesis": {"source": "llm"},
            "judge": {"enabled": True},
        }
        (work / "record.yaml").write_text(yaml.safe_dump(override))
        env = {**os.environ, "OPENAI_API_KEY": "sk-standin-not-a-key"}
        command = [
            str(Path(sys.executable).parent / "snakemake"),
            "--cores",
            "2",
            "--configfile",
            "config/config.yaml",
            "record.yaml",
            "--",
            # Every output that makes a model call (classifier, synthesis, judge); no timing.
            "results/llm_costs.csv",
        ]
        proc = subprocess.run(command, cwd=work, env=env)
        entries = sorted(STORE.glob("??/*.json"))
        size = sum(p.stat().st_size for p in entries)
        print(f"{fake.count} request(s) answered; store: {len(entries)} entries, {size} bytes")
        return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
