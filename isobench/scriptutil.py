"""The adapter between Snakemake's ``script:`` directive and the plain ``main()`` of each script."""

from __future__ import annotations

import logging
import sys

from isobench.errors import InfrastructureError


def run_script(main, smk) -> None:
    """Log to the rule's log file (and stderr), then call ``main(input, output, params)``."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if smk.log:
        handlers.append(logging.FileHandler(smk.log[0], mode="w", encoding="utf-8"))
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    try:
        main(smk.input, smk.output, smk.params)
    except InfrastructureError as err:
        # The paragraph names the fix; a traceback would only bury it. No output is written.
        logging.getLogger("isobench").error("%s", err)
        raise SystemExit(1) from None
    except Exception:
        logging.getLogger("isobench").exception("the job failed")
        raise


def run_llm_script(main, smk) -> None:
    """:func:`run_script` for rules that call a model: ``main(input, output, params, client)``.

    The client is built from the workflow's ``llm`` section (mode, store, timeout_s, max_retries,
    api_base, prices), read from the config rather than from params: those settings change how a
    request travels, not its answer, so switching record -> replay or moving the store never
    re-runs a job. What does change an answer (the model, the prompt files) is a param or an
    input of the rule. API keys come from the environment only.
    """
    from isobench.llm import LLMClient

    client = LLMClient.from_config(dict(smk.config.get("llm") or {}))
    run_script(lambda i, o, p: main(i, o, p, client), smk)


def run_rule(functions: dict, smk) -> None:
    """The script of a stage with several rules: run the ``main`` named after the job's rule."""
    try:
        main = functions[smk.rule]
    except KeyError:
        raise SystemExit(
            f"no function for rule {smk.rule!r}; known: {', '.join(functions)}"
        ) from None
    run_script(main, smk)
