"""``model["column"]`` on typed models, while code written for ``aiosqlite.Row`` is moved over."""

from __future__ import annotations


class RowCompat:
    """Let ``model["column"]`` read ``model.column``; new code uses the attribute."""

    def __getitem__(self, key: str) -> object:
        return getattr(self, key)
