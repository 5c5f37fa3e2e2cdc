"""The demo: its sample prospect sites (``sites.py``, ``sample_sites/``) served on loopback."""
