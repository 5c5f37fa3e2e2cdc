"""What the whole product shares: its errors, its workspace paths, the quote rule, the
atomic writer and the field table.

``retrieval`` and every ``agent`` package import from here; nothing here imports them.
"""
