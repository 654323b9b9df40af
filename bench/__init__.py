"""Benchmarks and load-test data generators (not part of the deployed portal)."""
