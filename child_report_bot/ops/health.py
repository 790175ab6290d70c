"""``/healthz`` and ``/metrics`` on ``BOT_HEALTH_PORT``, served from the bot's own event loop.

A small asyncio server rather than ``prometheus_client.start_http_server``: that one runs on a
thread of its own and could not ask the bot's database (one aiosqlite connection, guarded by an
``asyncio.Lock`` on this loop) whether it still takes writes. Two GET paths need no framework.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from telegram.request import HTTPXRequest

from child_report_bot.domain.clock import from_stored, system_clock
from child_report_bot.metrics import (
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_DUE,
    REGISTRY,
    ApiWatch,
)
from child_report_bot.storage.db import Database

logger = logging.getLogger(__name__)


class WatchedRequest(HTTPXRequest):
    """PTB's HTTP client, noting each time the Bot API answers (a 5xx is no answer)."""

    async def do_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        code, payload = await super().do_request(*args, **kwargs)
        if code < 500:
            ApiWatch.answered()
        return code, payload


async def database_writable(db: Database) -> bool:
    """Whether an empty write transaction goes through (disk full, read-only, locked: no)."""
    try:
        async with asyncio.timeout(5):
            async with db.transaction():
                pass
        return True
    except Exception:  # noqa: BLE001 (any failure means: not writable now)
        logger.warning("health check: the database does not take writes", exc_info=True)
        return False


async def outbox_state(db: Database) -> tuple[int, float | None]:
    """Rows waiting to be sent, and how long the oldest due one has been due (seconds)."""
    now = system_clock()
    async with db.transaction() as conn:
        async with conn.execute("SELECT count(*), min(next_attempt_at) FROM outbox "
                                "WHERE status = 'pending'") as cursor:
            count, oldest = await cursor.fetchone()
    age = None
    if oldest is not None:
        due: datetime = from_stored(oldest)
        age = max(0.0, (now - due).total_seconds())
    return count, age


class HealthServer:
    """Answers ``GET /healthz`` (200 or 503, JSON) and ``GET /metrics`` (Prometheus text)."""

    def __init__(self, db: Database, port: int, stale_seconds: float,
                 host: str = "0.0.0.0") -> None:  # noqa: S104 (a container's health port)
        self.db, self.port, self.stale_seconds, self.host = db, port, stale_seconds, host
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        logger.info("health and metrics on port %s", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def health(self) -> tuple[int, dict]:
        """The status code and body of ``/healthz``."""
        writable = await database_writable(self.db)
        backlog, oldest = await outbox_state(self.db) if writable else (None, None)
        since = ApiWatch.seconds_since()
        api_ok = since is not None and since <= self.stale_seconds
        body = {"ok": writable and api_ok, "database_writable": writable,
                "bot_api_seconds_since_answer": None if since is None else round(since, 1),
                "updates_handled": int(REGISTRY.get_sample_value("bot_updates_handled_total")
                                       or 0),
                "outbox_backlog": backlog,
                "outbox_oldest_due_seconds": None if oldest is None else round(oldest, 1)}
        return (200 if body["ok"] else 503), body

    async def metrics(self) -> bytes:
        """Prometheus text, with the outbox gauges read now."""
        try:
            backlog, oldest = await outbox_state(self.db)
            OUTBOX_BACKLOG.set(backlog)
            OUTBOX_OLDEST_DUE.set(oldest or 0)
        except Exception:  # noqa: BLE001 (the counters are still worth serving)
            logger.warning("metrics: could not read the outbox", exc_info=True)
        return generate_latest(REGISTRY)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(10):
                request = await reader.readline()
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass  # headers: nothing here needs them
            parts = request.decode("latin-1").split()
            path = parts[1].split("?", 1)[0] if len(parts) >= 2 else ""
            if len(parts) < 2 or parts[0] != "GET":
                status, kind, body = 405, "text/plain", b"GET only\n"
            elif path == "/healthz":
                status, data = await self.health()
                kind, body = "application/json", json.dumps(data).encode()
            elif path == "/metrics":
                status, kind, body = 200, CONTENT_TYPE_LATEST, await self.metrics()
            else:
                status, kind, body = 404, "text/plain", b"not found\n"
            reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed",
                      503: "Service Unavailable"}[status]
            writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\n"
                         f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                         + body)
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeError):
            pass  # a client that went away or never finished its request
        finally:
            writer.close()
