"""Keep credentials out of subprocess environments, logs and result files."""

from __future__ import annotations

import os
import re

# Environment variable names that carry credentials (API keys, tokens, passwords).
SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)", re.IGNORECASE)
_MIN_SECRET_LEN = 8  # shorter values ("1", "true") would redact ordinary text


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


def secret_values(environ: dict | None = None) -> list[str]:
    environ = os.environ if environ is None else environ
    values = {v for k, v in environ.items() if is_secret_name(k) and len(v) >= _MIN_SECRET_LEN}
    return sorted(values, key=len, reverse=True)


def redact(text: str, environ: dict | None = None) -> str:
    """Replace every secret value from the environment found in ``text``."""
    for value in secret_values(environ):
        text = text.replace(value, "[REDACTED]")
    return text


def scrubbed_env(environ: dict | None = None, keep: tuple[str, ...] = ()) -> dict:
    """A copy of the environment without credentials (except the names in ``keep``)."""
    environ = os.environ if environ is None else environ
    return {k: v for k, v in environ.items() if k in keep or not is_secret_name(k)}
