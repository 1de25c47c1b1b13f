"""Finding a usable Docker daemon and base image for the docker tests (skip, or fail under CI)."""

from __future__ import annotations

import os

import pytest


def daemon_or_skip():
    """A connected client with the base image present; skip without one (fail when CI is set)."""
    from tests.support.lanes import require_mark

    require_mark("docker", "needs a Docker daemon")
    from isobench.bench import images
    from isobench.bench.dockerd import DockerUnavailable, connect

    try:
        client = connect(timeout=30)
        images.resolve_base(client, None)
    except (DockerUnavailable, images.ImageError) as err:
        message = f"no usable Docker daemon + base image: {err}"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so Docker is required (.ci/setup-docker.sh): {message}")
        pytest.skip(message)
    return client


def task_image(client) -> str:
    """The demo recipe's image (envs/docker/python) on the base image, built once."""
    from pathlib import Path

    from isobench.bench import images

    base, base_id = images.resolve_base(client, None)
    root = Path(__file__).resolve().parents[2]
    files = images.read_recipe_dir(root / "envs" / "docker" / "python")
    recipe = images.make_recipe("isobench-test", files, base, base_id)
    return images.ensure_image(client, recipe)[0]
