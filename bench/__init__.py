"""Benchmarks that print figures (not tests: timings on a shared machine are noisy).

``python -m bench`` (or ``scripts/benchmark``) runs them all; see ``bench/__main__.py``.
"""
