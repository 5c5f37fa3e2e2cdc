"""The ICP document: model, statistics, drafting, versions and rendering."""
