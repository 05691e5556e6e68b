"""Balise: joint (union + employer) work organization for Quebec home care."""

__version__ = "0.1.0"
