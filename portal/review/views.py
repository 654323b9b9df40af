"""The review console's pages."""
