"""The feedback pages."""
