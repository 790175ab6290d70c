"""Welfare and NGO centres a child can walk into, and which one is nearest to a place."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from geopy.distance import geodesic
from pydantic import BaseModel, ConfigDict, Field, field_validator

from child_report_bot.domain.regions import Point, _check_point


class Centre(BaseModel):
    """``[[centres]]`` in config.toml: a place with a door, a phone and a location."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name_fa: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    address_fa: str = Field(min_length=1)
    address_en: str = Field(min_length=1)
    phone: str = Field(min_length=1)
    location: Point

    @field_validator("location", mode="before")
    @classmethod
    def _location(cls, value: object) -> object:
        return _check_point(value)  # type: ignore[arg-type]

    def name(self, language: str) -> str:
        return self.name_fa if language == "fa" else self.name_en

    def address(self, language: str) -> str:
        return self.address_fa if language == "fa" else self.address_en


@dataclasses.dataclass(frozen=True)
class Nearest:
    centre: Centre
    km: float


def nearest(centres: Sequence[Centre], point: Point) -> Nearest | None:
    """The centre closest to ``point`` along the Earth's surface; ``None`` when there are none."""
    found = [Nearest(centre, geodesic(point, centre.location).km) for centre in centres]
    return min(found, key=lambda item: item.km, default=None)
