"""``[privacy]``: how much the bot protects, keeps and accepts (read by ``settings.Settings``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PrivacyOptions(BaseModel):
    """``[privacy]`` in config.toml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Messages the bot sends cannot be forwarded or saved (Telegram's protect_content).
    protect_content: bool = True
    # Days after a report is closed before its personal details are purged (fractions allowed).
    retention_days: float = Field(default=90, gt=0)
    max_reports_per_hour: int = Field(default=5, ge=1)
    max_reports_per_day: int = Field(default=20, ge=1)
    # Queues whose staff may approve volunteers besides the admins (queue ids).
    volunteer_approver_queues: tuple[str, ...] = ()
