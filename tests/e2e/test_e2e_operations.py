"""Operations end to end: /healthz tells the truth while the Bot API goes away and comes back,
and /metrics counts a report."""

from __future__ import annotations

import asyncio
import json
import socket

from tests.conftest import RunningBot, bot_settings
from tests.support.chat import Person
from tests.support.flows import file_report


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def get(port: int, path: str) -> tuple[int, str]:
    """A plain HTTP GET on loopback, as Docker's HEALTHCHECK or Prometheus would make it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    await writer.drain()
    answer = (await reader.read()).decode()
    writer.close()
    head, _, body = answer.partition("\r\n\r\n")
    return int(head.split()[1]), body


async def test_healthz_turns_503_while_the_bot_api_is_down_and_200_after(emu, tmp_path):
    port = free_port()
    running = await RunningBot(bot_settings(emu, tmp_path, health_port=port,
                                            health_stale_seconds=1.5)).start()
    try:
        await health_becomes(port, 200, "healthy once polling")
        data = json.loads((await get(port, "/healthz"))[1])
        assert data["database_writable"] is True and data["outbox_backlog"] is not None
        emu.set_fault_policy(lambda method, params: "drop", include_polling=True)
        await health_becomes(port, 503, "503 while the Bot API is down")
        emu.clear_faults()
        await health_becomes(port, 200, "200 once it is back")
    finally:
        emu.clear_faults()
        await running.stop()


async def health_becomes(port: int, expected: int, what: str, timeout: float = 30) -> None:
    """Ask /healthz until it answers ``expected`` (a condition, not a fixed sleep)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (await get(port, "/healthz"))[0] != expected:
        if loop.time() >= deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.1)


async def test_metrics_count_a_report(emu, tmp_path):
    port = free_port()
    running = await RunningBot(bot_settings(emu, tmp_path, health_port=port)).start()
    try:
        before = _sample(await get(port, "/metrics"), "bot_reports_submitted_total")
        await file_report(Person(emu, 3101, "en"), photos=0)
        status, text = await get(port, "/metrics")
        assert status == 200
        assert _sample((status, text), "bot_reports_submitted_total") == before + 1
        assert _sample((status, text), "bot_updates_handled_total") > 0
        assert "bot_outbox_backlog" in text and "bot_handler_seconds_bucket" in text
    finally:
        await running.stop()


def _sample(answer: tuple[int, str], name: str) -> float:
    """The sum of a metric's samples over all its labels (0 when none yet)."""
    total = 0.0
    for line in answer[1].splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total
