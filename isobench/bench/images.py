"""Content-addressed container images: the tag is a hash of the recipe and of everything it reads.

Two kinds of image:

* the **base image**, built without any registry: a ``debootstrap --variant=minbase`` root file
  system with Python, NumPy and git, imported with ``docker import`` (``build_base_image``; needs
  root and debootstrap, so CI does it once in ``.ci/setup-docker.sh``). A registry image can
  replace it (``evaluation.docker.base_image``).
* the **task image** of a (repo, parent commit): a Dockerfile under ``envs/docker/`` whose inputs
  are its ``ARG`` lines. Only the arguments a recipe declares are passed and hashed, so a recipe
  that does not use ``PARENT`` (the demo: the code under test is mounted, not installed) yields
  one image for every task, and one that does (vLLM, SGLang) yields an image per parent commit.

The tag ``isobench-<name>:<16 hex>`` is the sha256 of the recipe text, the argument values and
the base image's id, so an edited recipe or a rebuilt base gets a new tag and an unchanged one is
built once and reused. The image id (the digest of its config) is what results record.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import logging
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from isobench.bench.dockerd import DockerUnavailable, docker_call
from isobench.errors import InfrastructureError

log = logging.getLogger(__name__)

TAG_HEX = 16
# The base recipe: what goes into the debootstrap root file system. Part of the base tag.
BASE_SUITE = "bookworm"
# libopenblas0-pthread: without it Debian's NumPy uses the reference BLAS, several times slower than
# the OpenBLAS that NumPy wheels bundle, which would shrink speedups relative to the local executor.
BASE_PACKAGES = (
    "python3",
    "python3-numpy",
    "libopenblas0-pthread",
    "python-is-python3",
    "git",
    "procps",
)
BASE_RECIPE_VERSION = 1  # bump when build_base_image changes what it produces
BASE_REPOSITORY = "isobench-base"

_ARG_LINE = re.compile(r"^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?\s*$", re.MULTILINE)


class ImageError(InfrastructureError):
    """An image that cannot be found or built; the message names the fix."""


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:TAG_HEX]


# --------------------------------------------------------------------------------------------
# base image


def base_recipe() -> dict:
    return {
        "kind": "debootstrap",
        "version": BASE_RECIPE_VERSION,
        "suite": BASE_SUITE,
        "variant": "minbase",
        "packages": sorted(BASE_PACKAGES),
    }


def base_tag() -> str:
    """The tag of the debootstrap base image (independent of the mirror it is fetched from)."""
    return f"{BASE_REPOSITORY}:{_digest(base_recipe())}"


def debian_mirror(sources_dir: Path = Path("/etc/apt")) -> str:
    """The Debian mirror of this machine's apt sources (``ISOBENCH_DEBIAN_MIRROR`` overrides)."""
    override = os.environ.get("ISOBENCH_DEBIAN_MIRROR")
    if override:
        return override
    candidates: list[str] = []
    files = [sources_dir / "sources.list", *sorted((sources_dir / "sources.list.d").glob("*"))]
    for path in files:
        if not path.is_file() or path.suffix not in ("", ".list", ".sources"):
            continue
        text = path.read_text(errors="replace")
        candidates += re.findall(r"^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)", text, re.MULTILINE)
        candidates += [
            uri
            for line in re.findall(r"^URIs:\s*(.+)$", text, re.MULTILINE)
            for uri in line.split()
        ]
    # The security archive has no full suite; any other Debian archive will do.
    for uri in candidates:
        if "security" not in uri and uri.startswith(("http://", "https://", "file:")):
            return uri
    raise ImageError(
        "No Debian mirror found in this machine's apt sources to debootstrap the base image from. "
        "Fix: set ISOBENCH_DEBIAN_MIRROR to a Debian mirror URL, or name a registry image in "
        "evaluation.docker.base_image."
    )


def build_base_image(client, mirror: str | None = None, workdir: Path | None = None) -> str:
    """debootstrap a minimal root file system and ``docker import`` it; returns the tag.

    Runs as root (debootstrap mounts /proc and creates device nodes). Nothing is cached outside
    ``workdir`` (a temporary folder by default), which is deleted afterwards.
    """
    tag = base_tag()
    if image_id(client, tag):
        log.info("base image %s exists", tag)
        return tag
    if shutil.which("debootstrap") is None:
        raise ImageError(
            "debootstrap is not installed, so the base image cannot be built. Fix: apt-get install "
            "debootstrap (as .ci/setup-docker.sh does), or set evaluation.docker.base_image."
        )
    mirror = mirror or debian_mirror()
    root = Path(tempfile.mkdtemp(prefix="isobench-rootfs-", dir=workdir))
    try:
        rootfs = root / "rootfs"
        _debootstrap(rootfs, mirror)
        _import_rootfs(client, rootfs, root / "rootfs.tar", tag)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    log.info("imported base image %s (%s)", tag, image_id(client, tag))
    return tag


def _debootstrap(rootfs: Path, mirror: str) -> None:
    """The base recipe's root file system at ``rootfs``, without package caches and docs."""
    cmd = [
        "debootstrap",
        "--variant=minbase",
        f"--include={','.join(BASE_PACKAGES)}",
        BASE_SUITE,
        str(rootfs),
        mirror,
    ]
    log.info("running %s", " ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ImageError(
            f"debootstrap failed (exit {proc.returncode}): {proc.stderr[-2000:]}"
            f"{proc.stdout[-2000:]}"
        )
    # Package caches and lists are not needed at run time; keep the image small.
    for junk in (
        "var/cache/apt/archives",
        "var/lib/apt/lists",
        "usr/share/doc",
        "usr/share/man",
    ):
        shutil.rmtree(rootfs / junk, ignore_errors=True)


def _import_rootfs(client, rootfs: Path, archive: Path, tag: str) -> None:
    """``docker import`` ``rootfs`` (tarred to ``archive``) as ``tag``, labelled with its recipe."""
    subprocess.run(["tar", "-C", str(rootfs), "-cf", str(archive), "."], check=True)
    repository, _, version = tag.partition(":")
    changes = [
        'CMD ["/bin/bash"]',
        "ENV LANG=C.UTF-8",
        f"LABEL isobench.recipe={json.dumps(base_recipe(), sort_keys=True)!r}",
    ]
    docker_call(
        client.api.import_image_from_file,
        str(archive),
        repository=repository,
        tag=version,
        changes=changes,
    )


# --------------------------------------------------------------------------------------------
# task images


def recipe_args(dockerfile_text: str) -> list[str]:
    """The build arguments a Dockerfile declares (its inputs), in order of appearance."""
    seen: list[str] = []
    for name, _default in _ARG_LINE.findall(dockerfile_text):
        if name not in seen:
            seen.append(name)
    return seen


@dataclass(frozen=True)
class Recipe:
    name: str  # image repository suffix, e.g. the repo name
    files: tuple  # ((relative path, bytes), ...): the build context, Dockerfile included
    args: tuple  # ((name, value), ...): only the arguments the Dockerfile declares
    base_id: str  # id of the base image the recipe starts from

    @property
    def tag(self) -> str:
        key = {
            "files": [[path, hashlib.sha256(data).hexdigest()] for path, data in self.files],
            "args": [list(a) for a in self.args],
            "base_id": self.base_id,
        }
        return f"isobench-{self.name}:{_digest(key)}"

    @property
    def dockerfile(self) -> str:
        return dict(self.files)["Dockerfile"].decode()


def read_recipe_dir(path: Path) -> tuple:
    """The files of a recipe folder (``Dockerfile`` + whatever it COPYs), in a stable order."""
    path = Path(path)
    if not (path / "Dockerfile").is_file():
        raise ImageError(f"recipe folder {path} has no Dockerfile (repos.<name>.recipe)")
    return tuple(
        (p.relative_to(path).as_posix(), p.read_bytes())
        for p in sorted(path.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    )


def make_recipe(name: str, files: tuple, base_image: str, base_id: str, **values) -> Recipe:
    """Bind a recipe to its inputs: BASE_IMAGE plus whichever of ``values`` its Dockerfile declares."""
    text = dict(files)["Dockerfile"].decode()
    available = {"BASE_IMAGE": base_image, **{k: str(v) for k, v in values.items()}}
    declared = recipe_args(text)
    missing = [a for a in declared if a not in available and not _has_default(text, a)]
    if missing:
        raise ImageError(
            f"recipe {name} declares ARG {', '.join(missing)} with no value; isobench provides "
            f"{', '.join(sorted(available))} (add others under repos.<name>.build_args)"
        )
    args = tuple((a, available[a]) for a in declared if a in available)
    safe = re.sub(r"[^a-z0-9_.-]", "-", name.lower())
    return Recipe(name=safe, files=tuple(files), args=args, base_id=base_id)


def _has_default(text: str, arg: str) -> bool:
    return any(n == arg and d for n, d in _ARG_LINE.findall(text))


def image_id(client, ref: str) -> str | None:
    """The id of a local image, or None if the daemon does not have it."""
    import docker.errors

    try:
        return docker_call(client.images.get, ref).id
    except docker.errors.ImageNotFound:
        return None


@contextlib.contextmanager
def _build_lock(tag: str):
    """Parallel env jobs of one repo share one image: the first builds it, the others wait."""
    path = (
        Path(tempfile.gettempdir())
        / f"isobench-build-{tag.replace(':', '-').replace('/', '-')}.lock"
    )
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_image(client, recipe: Recipe) -> tuple[str, str]:
    """Build the recipe's image unless the daemon has it already; returns (tag, image id)."""
    import docker.errors

    tag = recipe.tag
    with _build_lock(tag):
        found = image_id(client, tag)
        if found:
            return tag, found
        context = io.BytesIO()
        with tarfile.open(fileobj=context, mode="w") as tar:
            for path, data in recipe.files:
                info = tarfile.TarInfo(path)
                info.size = len(data)
                info.mode = 0o755  # scripts a recipe COPYs stay executable
                tar.addfile(info, io.BytesIO(data))
        context.seek(0)
        log.info("building %s", tag)
        try:
            image, build_log = docker_call(
                client.images.build,
                fileobj=context,
                custom_context=True,
                tag=tag,
                buildargs=dict(recipe.args),
                rm=True,
                forcerm=True,
                labels={"isobench.recipe": tag},
            )
        except docker.errors.BuildError as err:
            tail = "".join(str(c.get("stream", c.get("error", ""))) for c in err.build_log)[-3000:]
            raise ImageError(f"building image {tag} failed: {err.msg}\n{tail}") from None
        for chunk in build_log:
            if chunk.get("stream", "").strip():
                log.info("build: %s", chunk["stream"].rstrip())
        return tag, image.id


def resolve_base(client, configured: str | None) -> tuple[str, str]:
    """(reference, id) of the base image: the configured registry image, else the debootstrap one.

    A configured image the daemon lacks is pulled (the only registry access, and only when asked
    for); the debootstrap base is never built implicitly here, because building it needs root.
    """
    import docker.errors

    if configured:
        found = image_id(client, configured)
        if found:
            return configured, found
        try:
            docker_call(client.images.pull, configured)
        except docker.errors.APIError as err:
            raise ImageError(
                f"The base image {configured} (evaluation.docker.base_image) is not in the Docker "
                f"daemon and pulling it failed ({err.explanation or err}). Fix: docker pull it or "
                f"docker load it on this machine, or remove evaluation.docker.base_image to use the "
                f"debootstrap base built by .ci/setup-docker.sh."
            ) from None
        return configured, image_id(client, configured) or ""
    tag = base_tag()
    found = image_id(client, tag)
    if not found:
        raise ImageError(
            f"The base image {tag} is not in the Docker daemon. Fix: build it without any registry "
            f"with `sudo .ci/setup-docker.sh` (or `sudo .venv/bin/python -m isobench.bench.images "
            f"base`), or name a registry image in evaluation.docker.base_image (it is pulled), or "
            f"use evaluation.executor: local."
        )
    return tag, found


def main(argv: list[str] | None = None) -> int:
    """``python -m isobench.bench.images base``: build the debootstrap base image (root)."""
    import argparse

    from isobench.bench.dockerd import connect

    parser = argparse.ArgumentParser(prog="python -m isobench.bench.images")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("base", help="debootstrap + docker import the base image, print its tag")
    sub.add_parser("base-tag", help="print the base image's tag")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.command == "base-tag":
        print(base_tag())
        return 0
    try:
        print(build_base_image(connect()))
    except (DockerUnavailable, ImageError) as err:
        print(f"ERROR: {err}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
