"""``model["column"]`` on typed models, for code not yet moved from ``aiosqlite.Row``."""

from __future__ import annotations


class RowCompat:
    def __getitem__(self, key):
        return getattr(self, key)
