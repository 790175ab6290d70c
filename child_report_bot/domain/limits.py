"""How many reports one person may file before the bot asks them to call instead."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Limited:
    """A submit refused for flooding: nothing stored, nothing posted, the draft kept."""

    per_hour: int
    per_day: int


def over_limit(last_hour: int, last_day: int, per_hour: int, per_day: int) -> bool:
    """Whether one more report would pass either limit."""
    return last_hour >= per_hour or last_day >= per_day
