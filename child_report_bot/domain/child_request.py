"""A child's own request for help, written as a finished report draft (no photo, no contact).

The child is the reporter and the child seen; the request goes through the same intake, routing
(the ``own_request`` activity: config.toml sends it to 123) and outbox as any report, urgent.
"""

from __future__ import annotations

import dataclasses

from child_report_bot.domain.report_draft import (Activity, AgeBand, ContactMode, Draft,
                                                  set_address, set_pin)


@dataclasses.dataclass(frozen=True)
class Place:
    """Where the child said they are: a shared pin, or words they typed."""

    latitude: float | None = None
    longitude: float | None = None
    text: str | None = None


def own_request_draft(place: Place) -> Draft:
    """A draft ready to submit: one child of unknown age asking for help at ``place``."""
    draft = Draft(danger=False, activity=Activity.OWN_REQUEST, age_band=AgeBand.UNSURE,
                  children_count=1, photos_answered=True, description_answered=True,
                  contact_mode=ContactMode.ANONYMOUS)
    if place.latitude is not None and place.longitude is not None:
        set_pin(draft, place.latitude, place.longitude)
    else:
        set_address(draft, place.text or "")
    return draft
