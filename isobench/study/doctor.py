"""``isobench doctor``: can the configured study run here? Checked before anything is spent.

One line per check (``ok``, ``FAIL`` with the fix, ``warn``, ``skip`` when the study does not
need it); the exit code is 1 when a failed check means the configured study cannot run.

Checks: the config and its task lists; each submodule repository present, at its pinned commit,
and holding every task commit; the Docker daemon (executor docker); a visible GPU and which
(a repository with gpus > 0); the provider keys of the configured agents and LLM stages; free
disk for images; the model cache holding every model of the tasks that will be benchmarked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from isobench.repos import submodules

# litellm provider prefix -> the environment variable holding its key.
PROVIDER_KEYS = {
    "anthropic": "ANTHROPIC_API_KEY",
    "openai": "OPENAI_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "together_ai": "TOGETHERAI_API_KEY",
}
DEFAULT_MIN_FREE_GB = 200.0  # a vLLM image per parent commit is tens of GB (spec section 4.1)


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | FAIL | warn | skip
    detail: str
    fix: str = ""

    @property
    def fatal(self) -> bool:
        return self.status == "FAIL"

    def line(self) -> str:
        text = f"{self.status:<4} {self.name}: {self.detail}"
        return f"{text}. Fix: {self.fix}" if self.fix else text


def _fail(name: str, detail: str, fix: str) -> Check:
    return Check(name, "FAIL", detail, fix)


def check_tasks(config: dict) -> tuple[list[Check], dict]:
    """The task lists load; returns the checks and {repo: entries} of those that loaded."""
    from isobench.config import ConfigError, load_commit_list

    checks, tasks = [], {}
    for name, repo in sorted(config["repos"].items()):
        try:
            tasks[name] = load_commit_list(repo["commits"])
        except ConfigError as exc:
            checks.append(_fail(f"tasks {name}", str(exc), "correct the task list"))
            continue
        checks.append(
            Check(f"tasks {name}", "ok", f"{len(tasks[name])} tasks in {repo['commits']}")
        )
    return checks, tasks


def check_repositories(config: dict, tasks: dict, project: Path) -> list[Check]:
    checks = []
    for name, repo in sorted(config["repos"].items()):
        if repo["source"] != "submodule":
            continue
        found = submodules.state(repo.get("path") or name, project)
        problem = found.problem()
        if problem:
            detail, fix = problem.split(" Fix: ", 1)
            checks.append(_fail(f"submodule {name}", detail.rstrip("."), fix.rstrip(".")))
            continue
        commits = [e.commit for e in tasks.get(name, [])]
        missing = submodules.missing_ancestors(project / found.path, commits)
        if missing:
            shown = ", ".join(c[:12] for c in missing[:5])
            checks.append(
                _fail(
                    f"submodule {name}",
                    f"{len(missing)} task commit(s) are not ancestors of its HEAD ({shown})",
                    f"fetch the full history (`git -C {found.path} fetch --unshallow`) or pin a "
                    "commit that descends from every task commit",
                )
            )
            continue
        detail = f"{found.path} at pinned {found.pinned[:12]}, holds all {len(commits)} tasks"
        checks.append(Check(f"submodule {name}", "ok", detail))
    return checks


def check_docker(config: dict) -> Check:
    if config["evaluation"]["executor"] != "docker":
        return Check("docker", "skip", "evaluation.executor is local")
    from isobench.bench.dockerd import DockerUnavailable, connect

    try:
        client = connect(timeout=10)
        version = client.version().get("Version", "?")
    except DockerUnavailable as exc:
        detail = str(exc).split(". evaluation.executor", 1)[0]
        fix = "start the daemon (`dockerd`, `systemctl start docker`), point DOCKER_HOST at it"
        return _fail("docker", detail, f"{fix}, or set evaluation.executor: local")
    except Exception as exc:  # the daemon answered, but not as a daemon should
        return _fail("docker", f"the daemon answered with an error: {exc}", "check its logs")
    return Check("docker", "ok", f"daemon {version} at {os.environ.get('DOCKER_HOST', 'default')}")


def gpu_names() -> list[str] | None:
    """The visible GPUs as 'index: name (memory)', or None when nvidia-smi is not on PATH."""
    if shutil.which("nvidia-smi") is None:
        return None
    query = ["nvidia-smi", "--query-gpu=index,name,memory.total", "--format=csv,noheader"]
    try:
        proc = subprocess.run(query, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if proc.returncode != 0:
        return []
    rows = [[p.strip() for p in line.split(",")] for line in proc.stdout.splitlines() if line]
    return [f"{r[0]}: {r[1]} ({r[2]})" if len(r) >= 3 else ", ".join(r) for r in rows]


def check_gpu(config: dict) -> Check:
    needed = max(int(r.get("gpus", 0)) for r in config["repos"].values())
    if needed == 0:
        return Check("gpu", "skip", "no repository needs a GPU")
    names = gpu_names()
    fix = "run on a GPU machine (or a SLURM GPU partition: --workflow-profile profiles/slurm)"
    if names is None:
        return _fail("gpu", "nvidia-smi is not on PATH", f"install the NVIDIA driver, or {fix}")
    if not names:
        return _fail("gpu", "nvidia-smi lists no GPU", fix)
    return Check("gpu", "ok", f"{len(names)} visible: " + "; ".join(names))


def _provider(model: str | None) -> str | None:
    return model.split("/", 1)[0] if model and "/" in model else None


def required_keys(config: dict) -> dict[str, str]:
    """{environment variable: who needs it} for the configured agents and LLM stages."""
    from isobench.dag import BUILTIN_ADAPTERS

    keys: dict[str, str] = {}
    for agent in config["agents"]:
        if agent["adapter"] not in BUILTIN_ADAPTERS:
            for name in agent.get("env") or []:
                keys.setdefault(name, f"agent {agent['id']}")
    if config["llm"]["mode"] == "replay":
        return keys  # replayed stages call no provider
    stages = {
        "mining": config["mining"]["classifier"] == "llm",
        "synthesis": config["synthesis"]["source"] == "llm",
        "judge": str(config["judge"]["enabled"]).lower() == "true",
    }
    for stage, on in stages.items():
        model = config[stage].get("model") or config["llm"]["model"]
        key = PROVIDER_KEYS.get(_provider(model) or "")
        if on and key:
            keys.setdefault(key, f"{stage} ({model})")
    return keys


def check_keys(config: dict) -> list[Check]:
    checks = []
    for name, who in sorted(required_keys(config).items()):
        if os.environ.get(name):
            checks.append(Check(f"key {name}", "ok", f"set (for {who})"))
        else:
            checks.append(_fail(f"key {name}", f"not set (needed by {who})", f"export {name}=..."))
    return checks


def disk_path(config: dict) -> Path:
    """Where images go (the daemon's root dir when it says so), else the working directory."""
    if config["evaluation"]["executor"] == "docker":
        try:
            from isobench.bench.dockerd import connect

            root = connect(timeout=10).info().get("DockerRootDir")
            if root and Path(root).exists():
                return Path(root)
        except Exception:  # no daemon: its own check says so
            pass
    return Path.cwd()


def check_disk(config: dict, min_free_gb: float) -> Check:
    path = disk_path(config)
    free = shutil.disk_usage(path).free / 1e9
    if free < min_free_gb:
        return _fail(
            "disk",
            f"{free:.1f} GB free at {path}, less than {min_free_gb:g} GB",
            "free space (`docker system prune`), move the daemon's data-root, or lower "
            "--min-free-gb if your images are smaller",
        )
    return Check("disk", "ok", f"{free:.1f} GB free at {path} (>= {min_free_gb:g} GB)")


def model_cache_dir(config: dict) -> Path:
    cache = config["evaluation"].get("docker", {}).get("model_cache")
    if config["evaluation"]["executor"] == "docker" and cache:
        return Path(cache)
    return Path(os.environ.get("HF_HOME") or Path.home() / ".cache" / "huggingface")


def cached(cache: Path, model: str) -> bool:
    """Whether a Hugging Face cache holds a snapshot of ``model``."""
    folder = "models--" + model.replace("/", "--")
    return any((base / folder / "snapshots").is_dir() for base in (cache / "hub", cache))


def benchmarked_models(config: dict, tasks: dict) -> list[str]:
    """Models of the tasks this machine's bench jobs can run (others are skipped_hardware)."""
    models = []
    for name, entries in tasks.items():
        gpus = int(config["repos"][name].get("gpus", 0))
        if gpus == 0:
            continue
        for entry in entries:
            if (entry.needed_gpus() or 1) <= gpus:
                models += [m for m in entry.models if m not in models]
    return models


def check_model_cache(config: dict, tasks: dict) -> Check:
    models = benchmarked_models(config, tasks)
    if not models:
        return Check("model cache", "skip", "no GPU task to benchmark here")
    cache = model_cache_dir(config)
    missing = [m for m in models if not cached(cache, m)]
    if missing:
        return _fail(
            "model cache",
            f"{len(missing)} of {len(models)} models missing in {cache}: {', '.join(missing[:6])}"
            + (" ..." if len(missing) > 6 else ""),
            f"HF_HOME={cache} huggingface-cli download <model> for each (benchmarks run "
            "offline), or set evaluation.docker.model_cache to a cache that has them",
        )
    return Check("model cache", "ok", f"all {len(models)} models in {cache}")


def run_checks(config: dict, project: Path, min_free_gb: float = DEFAULT_MIN_FREE_GB) -> list:
    checks, tasks = check_tasks(config)
    checks += check_repositories(config, tasks, project)
    checks.append(check_docker(config))
    checks.append(check_gpu(config))
    checks += check_keys(config)
    checks.append(check_disk(config, min_free_gb))
    checks.append(check_model_cache(config, tasks))
    return checks


def report(checks: list[Check]) -> tuple[str, int]:
    """The doctor's output and exit code (1 when the configured study cannot run)."""
    failed = [c for c in checks if c.fatal]
    lines = [c.line() for c in checks]
    verdict = f"{len(failed)} prerequisite(s) missing" if failed else "ready to run"
    return "\n".join([*lines, verdict]) + "\n", 1 if failed else 0
