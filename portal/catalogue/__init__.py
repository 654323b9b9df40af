"""The provider catalogue: imported from PTV feeds, searched and compared by residents."""
