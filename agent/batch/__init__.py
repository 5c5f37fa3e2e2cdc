"""Batch enrichment of prospect lists: CSV in, CSV out, resumable and concurrent."""
