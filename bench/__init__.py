"""Benchmarks that print figures: `bench/stack.py` (`make bench`) and `bench/run.py`."""
