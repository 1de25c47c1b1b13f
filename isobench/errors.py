"""Errors whose message names the problem and its fix; scripts show them without a traceback."""


class ClearError(RuntimeError):
    """An infrastructure or input problem a user must fix (not a task's failure, not a bug)."""
