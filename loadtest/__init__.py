"""Load tests and benchmarks for Arena."""
