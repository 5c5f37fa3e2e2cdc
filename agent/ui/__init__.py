"""The browser UI (``web.py``) and the self-contained HTML charts the reports share."""
