"""Benchmarks run under pytest-benchmark; in CI with --benchmark-disable they still assert."""
