"""Benchmarks for the alliance bot: `python bench/http_latency.py` (what `make bench` runs)."""
