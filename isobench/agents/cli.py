"""The common machinery of the coding-agent CLI adapters (claude_code, codex_cli, openhands, trae).

Every adapter follows the same steps (:meth:`CLIAdapter.__call__`):

1. resolve the CLI (config ``command``; else the adapter's default under the project's
   ``.tools/`` folders, where ``.ci/setup-agents.sh`` installs the pinned CLIs; else ``PATH``)
   and its version (``<cli> --version``; a config ``version`` pin that does not match is an
   ``error``) (:mod:`isobench.agents.cli_lookup`);
2. prepare the workspace (:mod:`isobench.agents.workspace`) and render the task prompt
   (:mod:`isobench.agents.prompt`);
3. run the CLI headless in the workspace with a scrubbed environment (only the provider keys the
   config lists in ``env``; per-run HOME/XDG/TMPDIR; web tools off where the CLI allows it),
   under the agent sandbox (:mod:`isobench.agents.sandbox`), its turn/cost budgets as CLI flags
   where it has them, and the wall-clock budget enforced by killing its whole process group
   (:func:`isobench.process.run_process`), while a thread polls the workspace for the time to
   the first edit (:mod:`isobench.agents.first_edit`);
4. parse the CLI's own result (stream-json, JSONL events or a trajectory file) for how it ended,
   turns, tokens and cost (helpers in :mod:`isobench.agents.cli_output`); compute the patch from
   the workspace; decide the status (:func:`isobench.agents.base.decide_status`); keep the
   trajectory, redacted, beside run.json.

The adapters themselves: :mod:`isobench.agents.claude_code`, :mod:`isobench.agents.codex_cli`,
:mod:`isobench.agents.openhands`, :mod:`isobench.agents.trae`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from isobench.agents.base import AgentResult, budgets_of, decide_status
from isobench.agents.cli_lookup import TOOLS_BIN, cli_version, resolve_command
from isobench.agents.cli_output import Parsed, keep_trajectory, read_text
from isobench.agents.first_edit import FirstEditWatcher
from isobench.agents.prompt import TaskPrompt, render_task_prompt
from isobench.agents.sandbox import Sandbox, SandboxError, agent_sandbox
from isobench.agents.workspace import (
    Workspace,
    WorkspaceError,
    prepare_workspace,
    remove_workspace,
)
from isobench.process import ProcessOutcome, run_process
from isobench.secrets import is_secret_name, redact

TAIL = 2000  # characters of stderr kept in a failure reason / run details


@dataclass
class RunContext:
    task: dict
    agent: dict
    k: int
    ws: Workspace
    prompt: TaskPrompt
    prompt_file: Path
    budgets: dict
    command: list[str]
    keep: tuple[str, ...]
    sandbox: Sandbox = field(default_factory=lambda: Sandbox("none"))
    env: dict = field(default_factory=dict)

    @property
    def model(self) -> str | None:
        return self.agent.get("model") or None

    @property
    def api_base(self) -> str | None:
        return self.agent.get("api_base") or None

    @property
    def stdout(self) -> Path:
        return self.ws.out / "stdout.txt"

    @property
    def stderr(self) -> Path:
        return self.ws.out / "stderr.txt"

    def key_name(self, default: str) -> str:
        """The provider key variable: the first credential-like name in ``env``, else ``default``."""
        return next((n for n in self.keep if is_secret_name(n)), default)


def extra_args(ctx: RunContext) -> list[str]:
    """The config's ``extra_args``, as strings, appended to a CLI's command line."""
    return [str(a) for a in ctx.agent.get("extra_args") or []]


class CLIAdapter:
    """Base of the CLI adapters; subclasses build the command line and parse the result."""

    adapter = ""
    default_command: tuple[str, ...] = ()
    tool_dirs: tuple[Path, ...] = (TOOLS_BIN,)  # where setup-agents.sh puts the CLI
    install_hint = ""
    version_required = False  # True: no ``--version`` output means the CLI is not usable
    excludes: tuple[str, ...] = ()  # workspace paths that are the CLI's artefacts, not patch
    trajectory_name = "trajectory.jsonl"

    # hooks ---------------------------------------------------------------------------------
    def setup(self, ctx: RunContext) -> None:
        """Write config files the CLI reads (under the run's temp root)."""

    def env_extra(self, ctx: RunContext) -> dict:
        return {}

    def argv(self, ctx: RunContext) -> list[str]:
        raise NotImplementedError

    def stdin(self, ctx: RunContext) -> Path | None:
        return None

    def parse(self, ctx: RunContext, outcome: ProcessOutcome) -> Parsed:
        raise NotImplementedError

    def trajectory_source(self, ctx: RunContext) -> Path | None:
        return ctx.stdout

    def version(self, ctx: RunContext) -> str | None:
        """The CLI's version string (None: it gave none)."""
        return cli_version(ctx.command, env=ctx.env)

    # the run -------------------------------------------------------------------------------
    def __call__(self, task: dict, repo_path: Path, agent: dict, k: int) -> AgentResult:
        command = resolve_command(agent.get("command") or self.default_command, self.tool_dirs)
        if command is None:
            wanted = agent.get("command") or self.default_command[0]
            return AgentResult(
                status="error",
                reason=f"{self.adapter}: the CLI {wanted!r} was not found. Fix: {self.install_hint}",
            )
        budgets = budgets_of(agent)
        keep = tuple(agent.get("env") or ())
        try:
            prompt = render_task_prompt(task, agent)
            ws = prepare_workspace(
                repo_path, task["parent"], name=task["repo"], excludes=self.excludes
            )
        except (OSError, ValueError, WorkspaceError) as exc:
            return AgentResult(status="error", reason=f"{self.adapter}: {exc}")
        try:
            try:
                sandbox = agent_sandbox(agent, repo_path, ws.root)
            except SandboxError as exc:
                return AgentResult(status="error", reason=f"{self.adapter}: {exc}")
            ctx = RunContext(
                task=task,
                agent=agent,
                k=k,
                ws=ws,
                prompt=prompt,
                prompt_file=ws.out / "prompt.md",
                budgets=budgets,
                command=command,
                keep=keep,
                sandbox=sandbox,
            )
            ctx.prompt_file.write_text(prompt.text, encoding="utf-8")
            return self._run(ctx)
        finally:
            remove_workspace(ws)

    def _run(self, ctx: RunContext) -> AgentResult:
        self.setup(ctx)
        ctx.env = ctx.ws.agent_env(keep=ctx.keep, extra=self.env_extra(ctx))
        version = self.version(ctx)
        details = self._details(ctx)
        refused = self._version_refusal(ctx, version, details)
        if refused is not None:
            return refused
        with FirstEditWatcher(ctx.ws) as watcher:
            outcome = run_process(
                ctx.sandbox.wrap(self.argv(ctx)),
                cwd=ctx.ws.path,
                env=ctx.env,
                timeout_s=ctx.budgets["wall_clock_s"],
                stdout_path=ctx.stdout,
                stderr_path=ctx.stderr,
                stdin_path=self.stdin(ctx),
            )
        parsed = self.parse(ctx, outcome)
        try:
            patch = ctx.ws.patch()
        except WorkspaceError as exc:
            return AgentResult(
                status="error",
                reason=f"{self.adapter}: cannot compute the patch: {exc}",
                returncode=outcome.returncode,
                duration_s=outcome.duration_s,
                agent_version=version,
                prompt_hash=ctx.prompt.template_sha256,
                timed_out=outcome.timed_out,
                details=details,
            )
        return self._result(ctx, outcome, parsed, patch, version, details, watcher.seconds)

    def _version_refusal(
        self, ctx: RunContext, version: str | None, details: dict
    ) -> AgentResult | None:
        """An ``error`` result when the CLI gave no version though it must, or misses its pin."""
        pin = ctx.agent.get("version")
        if version is None and self.version_required:
            reason = (
                f"{self.adapter}: {' '.join(ctx.command)} reports no version, so the CLI is "
                f"not usable (not installed there?). Fix: {self.install_hint}"
            )
        elif pin and (version is None or str(pin) not in version):
            reason = (
                f"{self.adapter}: version pin {pin!r} does not match the installed CLI "
                f"({version or 'no --version output'}). Fix: install the pinned version "
                f"({self.install_hint}) or change agents[].version."
            )
        else:
            return None
        return AgentResult(
            status="error",
            reason=reason,
            agent_version=version,
            prompt_hash=ctx.prompt.template_sha256,
            details=details,
        )

    def _details(self, ctx: RunContext) -> dict:
        """What run.json's ``details`` say about the run before it starts."""
        return {
            "command": [Path(ctx.command[0]).name, *ctx.command[1:]],
            "budgets": ctx.budgets,
            "prompt_name": ctx.prompt.name,
            "prompt_sha256": ctx.prompt.sha256,
            "initial_commit": ctx.ws.initial_commit,
            "disclosed_target_files": bool(ctx.agent.get("disclose_target_files")),
            "sandbox": ctx.sandbox.record(),
        }

    def _failure(self, ctx: RunContext, outcome: ProcessOutcome, parsed: Parsed) -> str | None:
        """Why the run failed (None: it did not): the CLI's own word, its exit code, its stderr."""
        failure = parsed.failure
        if outcome.returncode not in (0, None) and not parsed.budget_stop:
            failure = f"exit code {outcome.returncode}" + (f": {failure}" if failure else "")
        stderr_tail = self._stderr_tail(ctx)
        if failure and stderr_tail.strip():
            failure += f"; stderr: {stderr_tail.strip()[-500:]}"
        return failure

    def _stderr_tail(self, ctx: RunContext) -> str:
        return redact(redact(read_text(ctx.stderr)[-TAIL:], ctx.env))

    def _result(
        self,
        ctx: RunContext,
        outcome: ProcessOutcome,
        parsed: Parsed,
        patch: str,
        version: str | None,
        details: dict,
        first_edit_s: float | None,
    ) -> AgentResult:
        status, reason = decide_status(
            patch=patch,
            timed_out=outcome.timed_out,
            wall_clock_s=ctx.budgets["wall_clock_s"],
            failure=self._failure(ctx, outcome, parsed),
            budget_stop=parsed.budget_stop,
        )
        details.update(parsed.details)
        details["stderr_tail"] = self._stderr_tail(ctx)
        if outcome.killed_stragglers:
            details["killed_stragglers"] = outcome.killed_stragglers
        return AgentResult(
            status=status,
            patch=patch,
            reason=redact(redact(reason, ctx.env)),
            returncode=outcome.returncode,
            duration_s=outcome.duration_s,
            turns=parsed.turns,
            tokens=parsed.tokens,
            cost_usd=parsed.cost_usd,
            time_to_first_edit_s=first_edit_s,
            prompt_hash=ctx.prompt.template_sha256,
            agent_version=version,
            trajectory=keep_trajectory(
                self.trajectory_source(ctx), ctx.agent, self.trajectory_name, ctx.env
            ),
            timed_out=outcome.timed_out,
            details=details,
        )
