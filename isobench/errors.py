"""Errors whose message is the whole story: a job that raises one fails with that paragraph alone.

They are infrastructure problems (no Docker daemon, a missing image), not properties of an
attempt, so the job writes no result (nothing bogus is counted) and the message names the fix.
"""


class InfrastructureError(RuntimeError):
    """A problem of the machine, not of the attempt; str(err) says what to do."""
