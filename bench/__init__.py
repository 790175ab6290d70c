"""Benchmarks that print figures (not tests: timings on a shared machine are noisy)."""
