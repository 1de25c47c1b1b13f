"""Talking to the Docker daemon: one place that turns "the daemon is not there" into a clear error.

A daemon that is not running, or goes away in the middle of a bench job, is an infrastructure
failure, not a property of the attempt: the job fails with ``DockerUnavailable`` (a one-paragraph
message naming the fix, no traceback) and writes no result, so nothing bogus is counted and a
re-run once the daemon is back redoes exactly the failed jobs.
"""

from __future__ import annotations

import os

from isobench.errors import InfrastructureError

DEFAULT_SOCKET = "unix:///var/run/docker.sock"


class DockerUnavailable(InfrastructureError):
    """The Docker daemon cannot be reached (never started, stopped, or gone mid-run)."""


def daemon_address() -> str:
    return os.environ.get("DOCKER_HOST") or DEFAULT_SOCKET


def unavailable_message(detail: str = "") -> str:
    why = f" ({detail})" if detail else ""
    return (
        f"Cannot reach the Docker daemon at {daemon_address()}{why}. evaluation.executor is "
        f"'docker', so benchmark jobs need a running daemon: start it with `dockerd` (as root) or "
        f"`systemctl start docker` (CI: `.ci/setup-docker.sh`), check DOCKER_HOST, or use "
        f"evaluation.executor: local. Jobs that failed for this reason wrote no result; run the "
        f"same snakemake command again once the daemon is up and it resumes where it stopped."
    )


def is_connection_error(err: BaseException) -> bool:
    """True if ``err`` means the daemon was not reached (not: the daemon refused or failed)."""
    import docker.errors
    import requests.exceptions

    if isinstance(
        err, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)
    ):
        return True  # a vanished daemon mid-call (refused, reset, truncated response)
    if isinstance(err, (ConnectionError, BrokenPipeError)):
        return True
    # The SDK raises a bare DockerException when it cannot even ask for the API version;
    # its subclasses (APIError, BuildError, ContainerError, ...) mean the daemon answered.
    return type(err) is docker.errors.DockerException


def docker_call(fn, *args, **kwargs):
    """Call the SDK; a lost or missing daemon becomes DockerUnavailable (other errors pass)."""
    try:
        return fn(*args, **kwargs)
    except Exception as err:
        if is_connection_error(err):
            raise DockerUnavailable(unavailable_message(_short(err))) from None
        raise


def _short(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return (text[0] if text else type(err).__name__)[:300]


def connect(timeout: float = 120):
    """A client for the daemon of DOCKER_HOST (default socket), checked with a ping."""
    import docker

    try:
        client = docker.from_env(timeout=int(timeout))
        client.ping()
    except Exception as err:
        if is_connection_error(err):
            raise DockerUnavailable(unavailable_message(_short(err))) from None
        raise
    return client
