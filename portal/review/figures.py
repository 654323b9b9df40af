"""Figures of flags and feedback for the organiser: per provider, category and month, as SVG charts and CSV."""
