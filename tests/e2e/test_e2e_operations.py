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


async def test_a_whole_report_through_webhook_mode_and_a_forged_request_refused(emu, tmp_path):
    import os
    import sqlite3
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    from tests.conftest import ROOT, TOKEN, offline_config

    port, health_port = free_port(), free_port()
    database = tmp_path / "bot.sqlite3"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    environment.update({"BOT_TOKEN": TOKEN, "BOT_DATABASE": str(database),
                        "BOT_API_URL": emu.base_url, "BOT_FILE_URL": emu.file_base_url,
                        "BOT_CONFIG": str(offline_config(tmp_path)),
                        "BOT_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram-hook",
                        "BOT_WEBHOOK_LISTEN": "127.0.0.1", "BOT_WEBHOOK_PORT": str(port),
                        "BOT_HEALTH_PORT": str(health_port)})
    log = (tmp_path / "bot.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "child_report_bot"], cwd=ROOT,
                               env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:
        hook = await emu.await_call(lambda call: call.method == "setWebhook", timeout=30)
        secret = hook.params.get("secret_token")
        assert secret and TOKEN.split(":")[1] not in secret
        code = await file_report(Person(emu, 3201, "en"), photos=0)
        with sqlite3.connect(database) as conn:
            assert conn.execute("SELECT count(*) FROM reports WHERE code = ?",
                                (code,)).fetchone()[0] == 1

        forged = {"update_id": 999999, "message": {
            "message_id": 1, "date": 1_700_000_000, "text": "/report",
            "chat": {"id": 3299, "type": "private"},
            "from": {"id": 3299, "is_bot": False, "first_name": "Forger"}}}
        request = urllib.request.Request(f"http://127.0.0.1:{port}/telegram-hook",
                                         data=json.dumps(forged).encode(), method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "X-Telegram-Bot-Api-Secret-Token": "guess"})
        try:
            urllib.request.urlopen(request, timeout=10)
            status = 200
        except urllib.error.HTTPError as exc:
            status = exc.code
        assert status == 403
        # A genuine update after the forged one is answered; the forged one never is.
        await Person(emu, 3202, "en").send("text", "/report", expect="report.ask_danger")
        assert not emu.calls_to(chat_id=3299)
        # With no polling, the bot asks the Bot API on its own so /healthz stays truthful.
        await emu.await_call(method="getMe", after=emu.calls.index(hook), timeout=30)
        await health_becomes(health_port, 200, "healthy in webhook mode")
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    assert "Traceback" not in (tmp_path / "bot.log").read_text()


async def test_a_notice_an_admin_cannot_receive_is_kept_and_the_others_told(emu, tmp_path):
    from tests.support.chat import text_of
    from tests.support.emulator import FakeUser

    silent_admin, other_admin = 9100, 9101
    FakeUser(emu, other_admin, language_code="en").start()  # only this one started the bot
    running = await RunningBot(bot_settings(emu, tmp_path,
                                            admins=(silent_admin, other_admin))).start()
    try:
        # No group is bound to any queue, so the admins are told the report waits.
        code = await file_report(Person(emu, 3301, "en"), photos=0)
        refused = await emu.await_call(lambda call: call.params.get("chat_id") == silent_admin
                                       and call.error is not None, timeout=20)
        assert refused.status in (400, 403)  # "chat not found" or "blocked"
        told = await emu.await_call(lambda call: call.method == "sendMessage"
                                    and call.params.get("chat_id") == other_admin
                                    and str(silent_admin) in text_of(call)
                                    and call.error is None, timeout=20)
        assert "/start" in text_of(told)
        mark = emu.mark()
        FakeUser(emu, silent_admin, language_code="en").text("/start")  # they write at last
        held = await emu.await_call(lambda call: call.method == "sendMessage"
                                    and call.params.get("chat_id") == silent_admin
                                    and code in text_of(call) and call.error is None,
                                    after=mark, timeout=20)
        assert held.status == 200
    finally:
        await running.stop()
