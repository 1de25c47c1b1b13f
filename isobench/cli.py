"""A small command line for things outside the workflow: checking configs, exporting predictions.

isobench init DIR [--repo PATH] [--name NAME]  a study directory (run it with --directory DIR)
isobench check-config config/config.yaml     validate a config and its commit lists
isobench doctor [--configfile config/isobench.yaml]     can the configured study run here?
isobench estimate [--configfile config/isobench.yaml]   LLM spend and GPU hours, before running
isobench export-predictions results/runs/AGENT -o preds.jsonl
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from isobench.config import SCHEMA_DIR, ConfigError, agent_table, load_commit_list

STUDY_CONFIG = Path("config/isobench.yaml")


def load_config(path: Path) -> dict:
    """A config file, validated and with the schema's defaults filled in (as the workflow does)."""
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate  # heavy import, only for these commands

    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist. Fix: pass --configfile <file>.")
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        validate(config, str(SCHEMA_DIR / "config.schema.yaml"))
    except WorkflowError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    agent_table(config["agents"])
    return config


def check_config(path: Path) -> int:
    config = load_config(path)
    for name, repo in config["repos"].items():
        entries = load_commit_list(repo["commits"])
        print(f"{name}: {len(entries)} task(s) in {repo['commits']}")
    print(f"{path}: ok ({len(config['agents'])} agent(s))")
    return 0


def export_predictions(run_dir: Path, output: Path) -> int:
    """Write every attempt under results/runs/<agent>/ as SWE-bench/GSO predictions JSONL."""
    from isobench.predictions import write_predictions

    count = write_predictions(run_dir.glob("*/*/*/run.json"), output)
    print(f"exported {count} prediction(s) from {run_dir} to {output}", file=sys.stderr)
    return 0


def init(args) -> int:
    from isobench.study.init import init_study

    for path in init_study(args.directory, args.repo, args.name):
        print(f"wrote {path}")
    study = args.directory.expanduser().resolve()
    print(
        f"next: list the tasks in {study}/config/commits/, then, from the isobench checkout:\n"
        f"  snakemake --cores 2 --directory {study} results/opt_at_k.csv"
    )
    return 0


def doctor(args) -> int:
    from isobench.study.doctor import report, run_checks

    text, code = report(run_checks(load_config(args.configfile), Path.cwd(), args.min_free_gb))
    sys.stdout.write(text)
    return code


def estimate(args) -> int:
    from isobench.study.estimate import estimate as study_estimate

    config = load_config(args.configfile)
    tasks = {name: load_commit_list(r["commits"]) for name, r in sorted(config["repos"].items())}
    sys.stdout.write(study_estimate(config, tasks, args))
    return 0


def _study_parsers(sub) -> None:
    from isobench.study import doctor as doctor_module
    from isobench.study import estimate as estimate_module

    p = sub.add_parser("doctor", help="check the prerequisites of the configured study")
    p.add_argument("--configfile", type=Path, default=STUDY_CONFIG)
    p.add_argument(
        "--min-free-gb",
        type=float,
        default=doctor_module.DEFAULT_MIN_FREE_GB,
        help="free disk needed for images (default %(default)s)",
    )
    p = sub.add_parser("estimate", help="LLM spend and GPU hours of the configured study")
    p.add_argument("--configfile", type=Path, default=STUDY_CONFIG)
    p.add_argument("--agent-run-usd", type=float, default=estimate_module.DEFAULT_AGENT_RUN_USD)
    p.add_argument("--run-minutes", type=float, default=estimate_module.DEFAULT_RUN_MINUTES)
    p.add_argument("--commits", type=int, default=estimate_module.DEFAULT_COMMITS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="isobench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init", help="create a study directory with its own config")
    p.add_argument("directory", type=Path)
    p.add_argument("--repo", type=Path, help="the git checkout to study")
    p.add_argument("--name", help="the repository's name in result paths (default: its folder)")
    p = sub.add_parser("check-config", help="validate a config file and the commit lists it names")
    p.add_argument("config", type=Path)
    p = sub.add_parser("export-predictions", help="export an agent's attempts as predictions JSONL")
    p.add_argument("run_dir", type=Path, help="results/runs/<agent>")
    p.add_argument("-o", "--output", type=Path, required=True, help="the JSONL file to write")
    _study_parsers(sub)
    args = parser.parse_args(argv)
    try:
        if args.command == "init":
            return init(args)
        if args.command == "check-config":
            return check_config(args.config)
        if args.command == "doctor":
            return doctor(args)
        if args.command == "estimate":
            return estimate(args)
        return export_predictions(args.run_dir, args.output)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
