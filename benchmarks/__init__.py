"""Benchmarks: our SDK against docker-py and the raw socket, the mock against
the real engine.  Run ``python -m benchmarks --help``."""
