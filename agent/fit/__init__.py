"""Fit classification of an enriched prospect against the ICP."""
