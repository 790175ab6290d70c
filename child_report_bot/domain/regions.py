"""Named regions — circles (centre + radius, geodesic) and polygons — and which one holds a point.

A point exactly on a region's edge is inside it: a report at the border should not fall between
two areas. Coordinates are ``(latitude, longitude)`` in degrees, as Telegram and geopy use them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from geopy.distance import geodesic
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Point = tuple[float, float]

# Edge tolerance: about 10 cm in degrees for polygons, 1 mm for circles.
_DEGREE_EPSILON = 1e-6
_KM_EPSILON = 1e-6


def _check_point(point: Sequence[float]) -> Point:
    if len(point) != 2:
        raise ValueError(f"a point is [latitude, longitude], not {list(point)!r}")
    latitude, longitude = float(point[0]), float(point[1])
    if not -90 <= latitude <= 90:
        raise ValueError(f"latitude {latitude} is outside -90…90")
    if not -180 <= longitude <= 180:
        raise ValueError(f"longitude {longitude} is outside -180…180")
    return latitude, longitude


class Region(BaseModel):
    """``[[regions]]`` in config.toml: a circle (``center`` + ``radius_km``) or a ``polygon``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    name_fa: str = ""
    name_en: str = ""
    phones: tuple[str, ...] = ()  # extra numbers shown to citizens reporting from here
    center: Point | None = None
    radius_km: float | None = None
    polygon: tuple[Point, ...] | None = None

    @field_validator("center", mode="before")
    @classmethod
    def _center(cls, value: object) -> object:
        return None if value is None else _check_point(value)  # type: ignore[arg-type]

    @field_validator("polygon", mode="before")
    @classmethod
    def _polygon(cls, value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, (list, tuple)):
            raise ValueError("a polygon is a list of [latitude, longitude] points")
        points = [_check_point(point) for point in value]
        if len(points) > 1 and points[0] == points[-1]:
            points.pop()  # a closed ring repeats its first point; keep it once
        if len(set(points)) < 3:
            raise ValueError("a polygon needs at least three distinct points")
        if _doubled_area(points) < 1e-12:
            raise ValueError("the polygon's points lie on one line: it has no area")
        return tuple(points)

    @model_validator(mode="after")
    def _one_shape(self) -> Self:
        circle = self.center is not None or self.radius_km is not None
        if circle and self.polygon is not None:
            raise ValueError(f"region {self.name!r}: give a circle or a polygon, not both")
        if not circle and self.polygon is None:
            raise ValueError(f"region {self.name!r}: give center + radius_km, or a polygon")
        if circle and (self.center is None or self.radius_km is None):
            raise ValueError(f"region {self.name!r}: a circle needs both center and radius_km")
        if self.radius_km is not None and not self.radius_km > 0:
            raise ValueError(f"region {self.name!r}: radius_km must be positive,"
                             f" not {self.radius_km}")
        return self

    def title(self, language: str) -> str:
        """The name people read: the localized one if configured, else the id."""
        return (self.name_fa if language == "fa" else self.name_en) or self.name

    def contains(self, point: Point) -> bool:
        if self.polygon is not None:
            return point_in_polygon(point, self.polygon)
        assert self.center is not None and self.radius_km is not None
        return geodesic(self.center, point).km <= self.radius_km + _KM_EPSILON


def _doubled_area(points: Sequence[Point]) -> float:
    return abs(sum(a[0] * b[1] - b[0] * a[1]
                   for a, b in zip(points, [*points[1:], points[0]], strict=True)))


def _on_segment(point: Point, a: Point, b: Point) -> bool:
    (py, px), (ay, ax), (by, bx) = point, a, b
    cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax)
    length = max(abs(bx - ax), abs(by - ay), _DEGREE_EPSILON)
    if abs(cross) > _DEGREE_EPSILON * length:
        return False
    return (min(ax, bx) - _DEGREE_EPSILON <= px <= max(ax, bx) + _DEGREE_EPSILON
            and min(ay, by) - _DEGREE_EPSILON <= py <= max(ay, by) + _DEGREE_EPSILON)


def point_in_polygon(point: Point, polygon: Sequence[Point]) -> bool:
    """Even-odd rule on latitude/longitude (right for city-sized areas); edges count as inside."""
    edges = list(zip(polygon, [*polygon[1:], polygon[0]], strict=True))
    if any(_on_segment(point, a, b) for a, b in edges):
        return True
    latitude, longitude = point
    inside = False
    for (a_lat, a_lon), (b_lat, b_lon) in edges:
        if (a_lat > latitude) != (b_lat > latitude):
            crossing = a_lon + (latitude - a_lat) * (b_lon - a_lon) / (b_lat - a_lat)
            if longitude < crossing:
                inside = not inside
    return inside


def region_of(regions: Sequence[Region], point: Point | None) -> Region | None:
    """The first configured region holding ``point`` (config order decides overlaps)."""
    if point is None:
        return None
    return next((region for region in regions if region.contains(point)), None)
