"""A study as a whole: ``init`` (a study directory of its own), ``doctor`` (can the configured
study run here?) and ``estimate`` (what it will cost), before anything is spent."""
