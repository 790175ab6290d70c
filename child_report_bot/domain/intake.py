"""What a submitted report comes to, as the citizen is told it."""

from __future__ import annotations

import dataclasses

from child_report_bot.domain.regions import Region
from child_report_bot.domain.routing import Queue


@dataclasses.dataclass(frozen=True)
class Accepted:
    """The code, who handles the report, and local numbers; ``created`` is False on a second tap."""

    report_id: int
    code: str
    created: bool
    queue: Queue
    region: Region | None
    danger: bool
