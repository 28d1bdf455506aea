"""Maintenance scripts of the repository (not part of the workshop_utils package)."""
