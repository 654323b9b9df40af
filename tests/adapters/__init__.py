"""Tests of the adapters (external-system readers and clients)."""
