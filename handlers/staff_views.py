"""Staff views in private chat: /queue, /mine, /show, /stats, /export (being written)."""

from __future__ import annotations

from telegram.ext import Application


def register(application: Application) -> None:
    """Nothing registered yet."""
