"""Benchmarks (run as scripts: python benchmarks/bench_*.py); corpus.py generates their input."""
