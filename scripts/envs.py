"""Record (and with docker, build) the environment all three variants of a task are timed in."""

from isobench.envs import docker_env, local_env
from isobench.io import read_json, write_json
from isobench.scriptutil import run_script


def main(input, output, params):
    if params.executor == "docker":
        task = read_json(input.task)
        record = docker_env(
            params.repo,
            params.commit,
            task["parent"],
            params.recipe,
            params.build_args,
            params.docker.get("base_image"),
        )
    else:
        record = local_env(params.repo, params.commit)
    write_json(output.env, record)


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
