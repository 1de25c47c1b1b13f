"""The adapter between Snakemake's ``script:`` directive and the plain ``main()`` of each script."""

from __future__ import annotations

import logging
import sys


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
    main(smk.input, smk.output, smk.params)
