"""Record the environment all three variants of a task are timed in."""

from isobench.envs import local_env
from isobench.io import write_json
from isobench.scriptutil import run_script


def main(input, output, params):
    if params.executor != "local":
        raise ValueError(
            f"evaluation.executor {params.executor!r} is not supported by this version"
        )
    write_json(output.env, local_env(params.repo, params.commit))


if "snakemake" in globals():
    run_script(main, snakemake)  # noqa: F821
