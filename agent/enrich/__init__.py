"""Prospect enrichment: safe fetching, page budget, extraction and page status."""
