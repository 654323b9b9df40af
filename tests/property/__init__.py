"""Property-based tests (hypothesis) of the importers: any input imports or is refused with a clear error."""
