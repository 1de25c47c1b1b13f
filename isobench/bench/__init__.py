"""Timing base, human and agent variants of a task, interleaved and repeated."""
