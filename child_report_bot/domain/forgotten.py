"""The stand-in for a reporter who is no longer linked to their reports."""

from __future__ import annotations

FORGOTTEN = 0  # reports.reporter_id and reporter_chat_id once the link is cut (migration 006)
