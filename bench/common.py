"""What every benchmark shares: the shipped settings, random places and finished drafts.

Drafts are made the way the conversation makes them: ``storage.drafts.start_draft``, the
``domain.report_draft`` setters, then ``storage.drafts.save_draft`` with the step at the summary.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from pathlib import Path

from child_report_bot.domain import report_draft as d
from child_report_bot.domain.report_draft import (
    SEEN_ACTIVITIES,
    Activity,
    AgeBand,
    ContactMode,
    Step,
)
from child_report_bot.domain.routing import RoutingConfig
from child_report_bot.settings import Settings, load_settings
from child_report_bot.storage import drafts, queues, users
from child_report_bot.storage.db import Database
from child_report_bot.storage.reports import ContactDetails

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:bench-token-for-the-emulator"
ADMIN = 9000

# Typed addresses: most are known to the fake geocoder (a few numbered variants of each, so the
# geocoding cache sees misses as well as hits); one is not found and stays unverified text.
KNOWN_PLACES = {
    "میدان آزادی": (35.6997, 51.3380),
    "میدان تجریش": (35.8046, 51.4334),
    "چهارراه ولیعصر": (35.7008, 51.4057),
    "حرم حضرت معصومه": (34.6416, 50.8789),
    "پل صفائیه قم": (34.6460, 50.8850),
}
UNKNOWN_ADDRESS = "کوچه پشت بازار قدیم، نزدیک نانوایی"
DESCRIPTIONS = (
    None,
    "دو کودک کنار ایستگاه مترو گل می‌فروشند، ساعت ۱۱ شب.",
    "A boy of about eight selling tissues between the cars at the red light, no coat, cold.",
    "کودکی حدوداً ۱۰ ساله با ترازو کنار پیاده‌رو نشسته است. " * 4,
)


def shipped_settings(**overrides) -> Settings:
    """``config.toml`` as shipped, with the token only from this dict (never the real one)."""
    return load_settings({"BOT_TOKEN": TOKEN, "BOT_CONFIG": str(ROOT / "config.toml")},
                         **overrides)


def random_point(rng: random.Random) -> tuple[float, float]:
    """40 % in the Tehran polygon's box, 25 % around Qom (in and out of its 15 km circle), the
    rest anywhere in Iran's bounding box."""
    kind = rng.random()
    if kind < 0.40:
        return rng.uniform(35.57, 35.83), rng.uniform(51.19, 51.60)
    if kind < 0.65:
        return rng.uniform(34.46, 34.82), rng.uniform(50.66, 51.10)
    return rng.uniform(25.1, 39.7), rng.uniform(44.1, 63.3)


def random_clock(rng: random.Random) -> Callable[[], dt.datetime]:
    """For ``ReportIntake.clock``: a random moment of 2026-11-22 on each call, so the "night"
    rule (20:00-06:00 Tehran time) takes its share whatever time of day the benchmark runs."""
    day = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    return lambda: day + dt.timedelta(seconds=rng.randrange(86400))


def photo_id_maker(prefix: str = "AgACAgIAAxkBAAIB") -> Callable[[], tuple[str, str]]:
    """``()`` → a new (file_id, file_unique_id) of Telegram's usual length (~80 characters)."""
    counter = iter(range(1, 10**9))

    def make() -> tuple[str, str]:
        number = next(counter)
        return f"{prefix}{number:010d}ZmFrZS1waG90by1mb3ItdGhlLWJlbmNobWFyaw-AAp{number:08d}", \
            f"AQAD{number:08d}"
    return make


async def bind_all(db: Database, routing: RoutingConfig, first_chat: int = -1001000000) -> dict:
    """Bind every configured queue to a group with ``/bind``'s storage call; ``{queue: chat}``."""
    chats = {}
    for number, queue in enumerate(routing.queues):
        chats[queue.id] = first_chat - number
        await queues.bind(db, queue.id, chats[queue.id], ADMIN)
    return chats


class DraftMaker:
    """Finished drafts with random answers, as a citizen would leave them at the summary."""

    def __init__(self, db: Database, rng: random.Random,
                 photo_id: Callable[[], tuple[str, str]], users_cycle: int | None = None,
                 kinds: tuple[float, float] = (0.70, 0.85)) -> None:
        self.db = db
        self.rng = rng
        self.photo_id = photo_id
        self.users_cycle = users_cycle  # reuse this many users instead of a new one per report
        self.kinds = kinds              # pin below kinds[0], venue below kinds[1], else address
        self.count = 0
        self.save_ms: list[float] = []  # one save_draft (one answer written), as the handlers do
        self._known_users: set[int] = set()

    async def make(self) -> tuple[int, drafts.StoredDraft, ContactDetails | None]:
        """(user_id, the stored draft, contact details if the citizen agreed to be contacted)."""
        self.count += 1
        rng = self.rng
        user_id = 100000 + (self.count % self.users_cycle if self.users_cycle else self.count)
        if user_id not in self._known_users:
            await users.touch_user(self.db, user_id, "fa")
            self._known_users.add(user_id)
        stored = await drafts.start_draft(self.db, user_id, user_id)
        draft = stored.draft
        d.set_danger(draft, rng.random() < 0.08)
        activity = rng.choice(SEEN_ACTIVITIES)  # a child's own request is never a button
        d.set_activity(draft, activity.value)
        if activity is Activity.OTHER:
            d.set_activity_other(draft, "فال‌فروشی")
        d.set_age_band(draft, rng.choice(list(AgeBand)).value)
        d.set_children_count(draft, str(rng.choice((1, 1, 1, 2, 2, 3, 5))))
        kind = rng.random()
        if kind < self.kinds[0]:
            d.set_pin(draft, *random_point(rng))
        elif kind < self.kinds[1]:
            d.set_pin(draft, *random_point(rng), venue_title="ایستگاه مترو",
                      venue_address="خیابان انقلاب، نزدیک چهارراه")
        elif rng.random() < 0.9:
            place = rng.choice(list(KNOWN_PLACES))
            d.set_address(draft, f"{place}، پلاک {rng.randint(1, 20)}")
        else:
            d.set_address(draft, UNKNOWN_ADDRESS)
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            d.add_photo(draft, *self.photo_id())
        d.finish_photos(draft)
        d.set_description(draft, rng.choice(DESCRIPTIONS))
        mode = rng.choice((ContactMode.ANONYMOUS, ContactMode.ANONYMOUS, ContactMode.TELEGRAM,
                           ContactMode.PHONE))
        d.set_contact_mode(draft, mode.value)
        if mode is ContactMode.PHONE:
            d.set_phone(draft, "09121234567")
        stored.step = Step.SUMMARY
        start = time.perf_counter()
        await drafts.save_draft(self.db, stored)
        self.save_ms.append((time.perf_counter() - start) * 1000)
        contact = None if mode is ContactMode.ANONYMOUS else ContactDetails("Sara", "sara_t")
        return user_id, stored, contact


def files_size(path: Path) -> int:
    """The database file plus its -wal and -shm companions, if present."""
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
               if p.exists())
