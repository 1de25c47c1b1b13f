"""The two ways an LLM call fails for good: nothing recorded (replay) or the provider gave up."""

from __future__ import annotations

# Snakemake rejects dotted keys (`--config llm.mode=record`); a YAML mapping is merged into the
# section, and it must follow the targets, because --config takes every word after it.
RECORD_HINT = (
    "run the same snakemake command again with --config 'llm={mode: record}' at its end (or set "
    "`llm: {mode: record}` in the config file), with the provider's key in the environment "
    "(e.g. OPENAI_API_KEY or ANTHROPIC_API_KEY for the model's provider)"
)


class ReplayMissError(LookupError):
    """Replay mode found no recorded response for a request."""

    def __init__(self, stage: str, model: str, key: str, digest: str, store_root: str) -> None:
        self.stage, self.model, self.key, self.digest, self.store_root = (
            stage,
            model,
            key,
            digest,
            store_root,
        )
        super().__init__(
            f"no recorded LLM response for stage {stage!r}, model {model!r}, request "
            f"[{digest}] (key {key[:12]}..., file {store_root}/{key[:2]}/{key}.json). "
            f"The LLM store is in replay mode (offline). To record it, {RECORD_HINT}; "
            f"then commit the new store files if the recording should ship with the repository."
        )


class LLMCallError(RuntimeError):
    """A provider call that failed for good (non-retryable error, or retries exhausted)."""

    def __init__(
        self,
        stage: str,
        model: str,
        *,
        status: int | None,
        kind: str,
        detail: str,
        attempts: int,
        retryable: bool,
        advice: str,
    ) -> None:
        self.stage, self.model, self.status, self.kind = stage, model, status, kind
        self.attempts, self.retryable = attempts, retryable
        status_text = f"HTTP {status}" if status is not None else "no HTTP status"
        super().__init__(
            f"LLM call for stage {stage!r} (model {model!r}) failed after {attempts} "
            f"attempt(s): {kind} ({status_text}): {detail}. {advice}"
        )
