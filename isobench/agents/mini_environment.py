"""mini-swe-agent's ``Environment`` slot: the ``mini`` adapter's bash commands, each run in the
workspace as its own process tree (:func:`isobench.process.run_command`)."""

from __future__ import annotations

import shutil
import time
from types import SimpleNamespace
from typing import Any

from isobench.agents.sandbox import Sandbox
from isobench.agents.workspace import Workspace
from isobench.process import run_command

SUBMIT = "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"


class WorkspaceEnvironment:
    """mini-swe-agent's ``Environment`` protocol: bash commands in the workspace."""

    def __init__(
        self,
        ws: Workspace,
        env: dict,
        *,
        mini,
        timeout_s: float,
        deadline: float | None,
        sandbox: Sandbox | None = None,
    ) -> None:
        self.ws = ws
        self.sandbox = sandbox or Sandbox("none")
        self.env = env
        self.mini = mini
        self.timeout_s = timeout_s
        self.deadline = deadline
        self.config = SimpleNamespace(cwd=str(ws.path), timeout=timeout_s)
        self.shell = ["bash", "-c"] if shutil.which("bash") else ["sh", "-c"]

    def execute(self, action: dict, cwd: str = "", *, timeout: int | None = None) -> dict:
        command = action.get("command", "")
        limit = float(timeout or self.timeout_s)
        if self.deadline is not None:
            limit = max(1.0, min(limit, self.deadline - time.monotonic()))
        # The benchmark runner's process handling: own session, output merged, the whole group
        # killed at the limit and again at the end (a server the command started must not stay).
        res = run_command(
            self.sandbox.wrap([*self.shell, command]), str(cwd or self.ws.path), self.env, limit
        )
        output = {
            "output": res.output,
            "returncode": -1 if res.timed_out else res.returncode,
            "exception_info": (
                f"The command timed out after {limit:g} seconds and was killed."
                if res.timed_out
                else ""
            ),
        }
        lines = res.output.lstrip().splitlines(keepends=True)
        if lines and lines[0].strip() == SUBMIT and output["returncode"] == 0:
            submission = "".join(lines[1:])
            raise self.mini.Submitted(
                {
                    "role": "exit",
                    "content": submission,
                    "extra": {"exit_status": "Submitted", "submission": submission},
                }
            )
        return output

    def get_template_vars(self, **kwargs: Any) -> dict:
        return {"cwd": ".", **kwargs}

    def serialize(self) -> dict:
        return {
            "info": {
                "config": {
                    "environment": {"timeout_s": self.timeout_s},
                    "environment_type": f"{type(self).__module__}.{type(self).__name__}",
                }
            }
        }
