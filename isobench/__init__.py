"""isobench: reproduce the ISO-Bench study (coding agents optimizing LLM-serving code) end to end."""

__version__ = "0.1.0"
