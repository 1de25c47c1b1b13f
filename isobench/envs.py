"""The environment every variant of a task is timed in: this interpreter, or a task image."""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def local_env(repo: str, commit: str) -> dict:
    git_version = subprocess.run(
        ["git", "--version"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "schema": 1,
        "executor": "local",
        "repo": repo,
        "commit": commit,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(terse=True),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "numpy": _version("numpy"),
        "git": git_version,
        "in_virtualenv": sys.prefix != sys.base_prefix,
    }


def docker_env(
    repo: str, commit: str, parent: str, recipe_dir: str, build_args: dict, base_image: str | None
) -> dict:
    """Build (once) the task's content-addressed image and describe it.

    The recipe gets the task's parent commit (PARENT): an image per parent where the recipe
    installs the code (vLLM, SGLang); the human and agent variants are applied at run time.
    """
    from isobench.bench import images
    from isobench.bench.dockerd import connect

    client = connect()
    base_ref, base_id = images.resolve_base(client, base_image)
    files = images.read_recipe_dir(Path(recipe_dir))
    recipe = images.make_recipe(
        repo, files, base_ref, base_id, REPO=repo, PARENT=parent, **(build_args or {})
    )
    tag, image_id = images.ensure_image(client, recipe)
    version = client.version()
    return {
        "schema": 1,
        "executor": "docker",
        "repo": repo,
        "commit": commit,
        "parent": parent,
        "image": tag,
        "image_id": image_id,
        "base_image": base_ref,
        "base_image_id": base_id,
        "recipe": recipe_dir,
        "recipe_files": {path: hashlib.sha256(data).hexdigest() for path, data in recipe.files},
        "build_args": dict(recipe.args),
        "daemon": {
            "version": version.get("Version"),
            "api_version": version.get("ApiVersion"),
            "os": version.get("Os"),
            "arch": version.get("Arch"),
            "kernel": version.get("KernelVersion"),
        },
    }
