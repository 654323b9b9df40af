"""Demo data and the demo identification service for `make run` and the tests."""
