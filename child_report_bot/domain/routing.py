"""Which queue a report goes to: configured queues, regions and an ordered list of rules.

Pure code over pydantic models read from ``config.toml`` (``[[queues]]``, ``[[regions]]``,
``[[rules]]``, ``[routing]``). ``RoutingConfig`` refuses at start what would misroute a child
later: a rule naming an unknown queue or region, a fallback that does not exist, an unknown
activity or age band, a malformed hour range. ``route`` walks the rules in order; the first whose
every condition holds wins, else the default queue.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from child_report_bot.domain.regions import Point, Region, region_of
from child_report_bot.domain.report_draft import Activity, AgeBand

QUEUE_ID = r"^[a-z0-9_]+$"
_HOURS = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)$")


class Queue(BaseModel):
    """``[[queues]]``: an organisation's queue and, optionally, its staff group."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=20, pattern=QUEUE_ID)
    name_fa: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    phones: tuple[str, ...] = ()
    chat_id: int | None = None
    fallback: str | None = None
    remind_after_minutes: float = Field(default=15, gt=0)
    escalate_after_minutes: float = Field(default=45, gt=0)

    @field_validator("chat_id")
    @classmethod
    def _group(cls, value: int | None) -> int | None:
        if value is not None and value >= 0:
            raise ValueError(f"{value} is not a group chat id (group ids are negative)")
        return value

    @model_validator(mode="after")
    def _escalation_order(self) -> Self:
        if self.fallback == self.id:
            raise ValueError(f"queue {self.id!r} cannot be its own fallback")
        if self.escalate_after_minutes <= self.remind_after_minutes:
            raise ValueError(f"queue {self.id!r}: escalate_after_minutes must be later than"
                             " remind_after_minutes")
        return self

    def title(self, language: str) -> str:
        return self.name_fa if language == "fa" else self.name_en


class HourRange(BaseModel):
    """``"20:00-06:00"``: local times; a range may wrap past midnight; the end is excluded."""

    model_config = ConfigDict(frozen=True)

    start: dt.time
    end: dt.time

    @classmethod
    def parse(cls, text: str) -> HourRange:
        match = _HOURS.match(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not an hour range such as \"20:00-06:00\"")
        start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
        end = dt.time(0, 0) if end_h == 24 else dt.time(end_h, end_m)
        if end_h == 24 and end_m:
            raise ValueError(f"{text!r}: 24:{end_m:02d} is not a time")
        if dt.time(start_h, start_m) == end:
            raise ValueError(f"{text!r} is empty (start and end are the same)")
        return cls(start=dt.time(start_h, start_m), end=end)

    def contains(self, moment: dt.time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class Rule(BaseModel):
    """``[[rules]]``: conditions (all must hold; a missing one holds always) → a queue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=40)
    queue: str = Field(pattern=QUEUE_ID)
    danger: bool | None = None
    urgent: bool | None = None
    activities: frozenset[Activity] | None = None
    age_bands: frozenset[AgeBand] | None = None
    min_children: int | None = Field(default=None, ge=1)
    max_children: int | None = Field(default=None, ge=1)
    regions: frozenset[str] | None = None      # "" matches a report with no known region
    hours: tuple[HourRange, ...] | None = None

    @field_validator("hours", mode="before")
    @classmethod
    def _hours(cls, value: object) -> object:
        if value is None:
            return None
        texts = [value] if isinstance(value, str) else value
        if not isinstance(texts, (list, tuple)) or not texts:
            raise ValueError("hours is a range such as \"20:00-06:00\" or a list of them")
        return tuple(HourRange.parse(str(text)) for text in texts)

    @field_validator("activities", "age_bands", "regions", mode="before")
    @classmethod
    def _non_empty(cls, value: object) -> object:
        if isinstance(value, (list, tuple, set, frozenset)) and not value:
            raise ValueError("an empty list matches nothing; leave the condition out instead")
        return value

    @model_validator(mode="after")
    def _children_range(self) -> Self:
        if (self.min_children is not None and self.max_children is not None
                and self.min_children > self.max_children):
            raise ValueError(f"rule {self.name!r}: min_children is above max_children")
        return self

    def matches(self, facts: ReportFacts) -> bool:
        checks = (
            self.danger is None or facts.danger == self.danger,
            self.urgent is None or facts.urgent == self.urgent,
            self.activities is None or facts.activity in self.activities,
            self.age_bands is None or facts.age_band in self.age_bands,
            self.min_children is None or facts.children >= self.min_children,
            self.max_children is None or facts.children <= self.max_children,
            self.regions is None or (facts.region or "") in self.regions,
            self.hours is None or any(span.contains(facts.local_time) for span in self.hours),
        )
        return all(checks)


DEFAULT_TIMEZONE = "Asia/Tehran"


class RoutingOptions(BaseModel):
    """``[routing]``: the queue when no rule matches, and the clock rules' hours are read on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default_queue: str = Field(default="ngo", pattern=QUEUE_ID)
    timezone: str = DEFAULT_TIMEZONE

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known time zone such as \"Asia/Tehran\"")
        return value


@dataclasses.dataclass(frozen=True)
class ReportFacts:
    """What routing may look at; nothing about the reporter."""

    danger: bool
    urgent: bool
    activity: Activity
    age_band: AgeBand
    children: int
    region: str | None
    local_time: dt.time


@dataclasses.dataclass(frozen=True)
class Decision:
    queue: Queue
    rule: str          # the matching rule's name, or "default"


class RoutingConfig(BaseModel):
    """Queues, regions, rules and options, checked against each other."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    queues: tuple[Queue, ...]
    regions: tuple[Region, ...] = ()
    rules: tuple[Rule, ...] = ()
    options: RoutingOptions = RoutingOptions()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [queue.id for queue in self.queues]
        if not ids:
            raise ValueError("at least one queue is needed")
        if len(set(ids)) != len(ids):
            raise ValueError(f"queue ids must be unique: {ids}")
        known = set(ids)
        region_names = [region.name for region in self.regions]
        if len(set(region_names)) != len(region_names):
            raise ValueError(f"region names must be unique: {region_names}")
        if self.options.default_queue not in known:
            raise ValueError(f"default_queue {self.options.default_queue!r} is not a queue;"
                             f" known: {sorted(known)}")
        for queue in self.queues:
            if queue.fallback is not None and queue.fallback not in known:
                raise ValueError(f"queue {queue.id!r}: fallback {queue.fallback!r} is not a queue")
        rule_names = [rule.name for rule in self.rules]
        if len(set(rule_names)) != len(rule_names):
            raise ValueError(f"rule names must be unique: {rule_names}")
        for rule in self.rules:
            if rule.queue not in known:
                raise ValueError(f"rule {rule.name!r} names queue {rule.queue!r}, which is not"
                                 f" configured; known: {sorted(known)}")
            unknown = (rule.regions or frozenset()) - set(region_names) - {""}
            if unknown:
                raise ValueError(f"rule {rule.name!r} names unknown region(s) {sorted(unknown)}")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.options.timezone)

    def queue(self, queue_id: str) -> Queue | None:
        return next((queue for queue in self.queues if queue.id == queue_id), None)

    def region(self, name: str | None) -> Region | None:
        return next((region for region in self.regions if region.name == name), None)

    def region_of(self, point: Point | None) -> Region | None:
        return region_of(self.regions, point)

    def local_time(self, moment: dt.datetime) -> dt.time:
        return moment.astimezone(self.zone).time()

    def route(self, facts: ReportFacts) -> Decision:
        """First matching rule wins; otherwise the default queue."""
        for rule in self.rules:
            if rule.matches(facts):
                return Decision(self.queue(rule.queue), rule.name)  # type: ignore[arg-type]
        return Decision(self.queue(self.options.default_queue), "default")  # type: ignore[arg-type]
