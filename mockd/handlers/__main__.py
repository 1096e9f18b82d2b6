"""``python -m mockd.handlers``: rewrite ``_index.py`` after adding or moving a handler."""

from mockd.handlers.registry import write_index

print(f"wrote {write_index()}")
