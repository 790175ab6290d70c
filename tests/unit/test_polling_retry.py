"""ops/journal.JournalRequest: a long poll the Bot API does not answer is tried again at once
and every few seconds, not handed to PTB's polling loop (whose pause grows to 30 s)."""

from __future__ import annotations

import json
import logging

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from child_report_bot.ops import journal
from child_report_bot.ops.health import WatchedRequest

URL = "http://api.invalid/bot1:x/getUpdates"
UPDATES = json.dumps({"ok": True, "result": [{"update_id": 41}]}).encode()


class Flaky:
    """The HTTP client underneath: ``failures`` in turn, then the answer."""

    def __init__(self, failures: list) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self, request, url, method, *args, **kwargs):
        self.calls += 1
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure, b'{"ok": false, "description": "Bad Gateway"}'
        return 200, UPDATES


@pytest.fixture
def flaky(monkeypatch):
    def install(failures):
        client = Flaky(failures)
        async def do_request(request, url, method, *args, **kwargs):
            return await client(request, url, method, *args, **kwargs)
        monkeypatch.setattr(WatchedRequest, "do_request", do_request)
        monkeypatch.setattr(journal, "POLL_PAUSES", (0.0,))
        return client
    return install


def poll(timeout: int) -> RequestData:
    return RequestData([RequestParameter.from_input("timeout", timeout),
                        RequestParameter.from_input("offset", 41)])


async def test_a_long_poll_is_tried_again_until_answered_and_journaled(db, flaky, caplog):
    caplog.set_level(logging.INFO, logger="child_report_bot.ops.journal")
    client = flaky([NetworkError("connection dropped"), TimedOut(), 502, 500])
    request = journal.JournalRequest(db)
    code, payload = await request.do_request(URL, "POST", request_data=poll(10))
    assert (code, payload) == (200, UPDATES) and client.calls == 5
    row = await db.fetchone("SELECT update_id FROM update_journal")
    assert row["update_id"] == 41
    warned = [r for r in caplog.records if "getUpdates got no answer" in r.getMessage()]
    assert len(warned) == 1  # once per outage, not once per try
    assert any("answered again" in r.getMessage() for r in caplog.records)


async def test_the_confirming_call_at_stop_is_made_once(db, flaky):
    client = flaky([NetworkError("connection dropped")])
    request = journal.JournalRequest(db)
    with pytest.raises(NetworkError):
        await request.do_request(URL, "POST", request_data=poll(0))
    assert client.calls == 1


async def test_a_refusal_is_handed_to_ptb_at_once(db, flaky):
    client = flaky([401])
    request = journal.JournalRequest(db)
    code, _ = await request.do_request(URL, "POST", request_data=poll(10))
    assert code == 401 and client.calls == 1
