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
