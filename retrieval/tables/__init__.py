"""Reading a table export (CSV, XLSX, JSON): the pipeline every export goes through.

``rows`` (streamed rows) → ``cells`` (a cell's text) → ``sample`` (a whole-file sample) →
``columns`` (each column's role from its values) → ``aliases`` and ``confirm`` (header
names proposed, values decide) → ``mapping`` (a user's mapping) → ``schema`` (the table's
plan: fields, attributes, texts) → ``values``, ``dates``, ``outcomes``, ``deal_date`` (what
the cells mean) → ``attributes`` and ``fields`` (what is stored) → ``inspect`` (what
ingest would do, shown to a person).
"""
