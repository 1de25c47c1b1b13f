"""The embedded demo target (minserve), rebuilt deterministically from a patch series."""
