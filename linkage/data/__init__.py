"""Bundled reference data (names, places) used by the synthetic generator."""
