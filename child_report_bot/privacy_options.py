"""``[privacy]`` in config.toml: what is kept, for how long, and who may see or approve what."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PrivacyOptions(BaseModel):
    """Child-protection settings; every default is the safe one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    protect_content: bool = True
    retention_days: float = Field(90, gt=0)
    max_reports_per_hour: int = Field(5, ge=1)
    max_reports_per_day: int = Field(20, ge=1)
    volunteer_approver_queues: tuple[str, ...] = ()
