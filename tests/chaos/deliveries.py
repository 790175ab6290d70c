"""How many times each outbox message reached its chat, read from the emulator's calls.

Every row the outbox marked sent names the message Telegram made for it (``sent_message_id``).
The call that made that message gives the row's fingerprint: its method, chat and text (or
caption, or pin). Every call Telegram performed with the same fingerprint is a delivery of that
row: the one it kept, and any copy an earlier try left behind (a send whose answer was lost).
A queue post's fingerprint is its staff buttons instead of its text, so a copy rendered after
the report changed still counts, and a digest page or a reminder that names the code does not.
Rows that share a fingerprint (the same pin sent to one volunteer for two reports) share its
deliveries. A row refused for good (``failed``) was delivered never; a row marked sent with no
message had nothing left to send when its turn came (an offer that ended before its photo).
"""

from __future__ import annotations

import collections

from tests.support.chat import text_of

NEW_MESSAGE_KINDS = ("queue_post", "transfer_post", "notice", "claimer_contact", "reminder",
                     "volunteer_offer", "volunteer_pin", "volunteer_photo", "relay_question",
                     "relay_answer")
SENDS = ("sendMessage", "sendPhoto", "sendLocation")


def performed(call) -> bool:
    """Telegram did it: answered, or did it and lost the answer on the way back."""
    return call.error is None or call.fault == "timeout_after_send"


def _fingerprint(call, kind: str, code: str | None) -> tuple:
    chat = call.params.get("chat_id")
    if kind in ("queue_post", "transfer_post"):
        return ("post", chat, code)
    if call.method == "sendLocation":
        return ("pin", chat, call.params.get("latitude"), call.params.get("longitude"))
    return (call.method, chat, text_of(call))


def _call_fingerprints(call, codes: set[str]) -> list[tuple]:
    chat = call.params.get("chat_id")
    marks = [(call.method, chat, text_of(call))]
    if call.method == "sendLocation":
        marks.append(("pin", chat, call.params.get("latitude"), call.params.get("longitude")))
    markup = str(call.params.get("reply_markup") or "")
    if ":tri:" in markup:  # a post carries the staff's buttons, named by the report's code
        marks += [("post", chat, code) for code in codes if f":{code}" in markup]
    return marks


def delivery_spread(emu, bot) -> collections.Counter:
    """``(kind, times) -> rows``: how many outbox rows of each kind arrived once, twice, never."""
    rows = bot.rows(
        "SELECT o.kind, o.status, o.chat_id, o.sent_message_id, r.code FROM outbox o"
        " LEFT JOIN reports r USING (report_id)"
        f" WHERE o.kind IN ({', '.join('?' * len(NEW_MESSAGE_KINDS))})"
        " AND o.status IN ('sent', 'failed')", NEW_MESSAGE_KINDS)
    codes = {row["code"] for row in rows if row["code"]}
    made: dict[int, list] = collections.defaultdict(list)  # message id -> the calls that made it
    counts: collections.Counter = collections.Counter()
    for call in emu.calls:
        if call.method in SENDS and performed(call):
            if isinstance(call.result, dict) and "message_id" in call.result:
                made[call.result["message_id"]].append(call)
            for mark in _call_fingerprints(call, codes):
                counts[mark] += 1
    by_mark: dict[tuple, list[str]] = collections.defaultdict(list)
    spread: collections.Counter = collections.Counter()
    for row in rows:
        if row["status"] == "sent" and row["sent_message_id"] is None:
            spread[(row["kind"], "withheld")] += 1  # nothing left to send (the offer ended)
            continue
        call = _maker(made.get(row["sent_message_id"], []), row)
        if row["status"] == "failed" or call is None:
            spread[(row["kind"], 0)] += 1
        else:
            by_mark[_fingerprint(call, row["kind"], row["code"])].append(row["kind"])
    for mark, kinds in by_mark.items():
        for kind in kinds:
            spread[(kind, round(counts[mark] / len(kinds)))] += 1
    return spread


def _maker(calls: list, row) -> object | None:
    """Of the calls that made a message with the row's id (ids are per chat), the one in the
    row's chat: its own chat, or in a queue's group the one that names the report (a post in
    its buttons, a reminder in its text)."""
    for call in calls:
        if row["chat_id"] is not None:
            if call.params.get("chat_id") == row["chat_id"]:
                return call
        elif row["kind"] in ("queue_post", "transfer_post"):
            if f":{row['code']}" in str(call.params.get("reply_markup") or ""):
                return call
        elif row["code"] and row["code"] in text_of(call):  # a reminder in the queue's group
            return call
    return None


def spread_lines(prefix: str, spread: collections.Counter) -> list[str]:
    labels = {0: "delivered never", 1: "delivered once", 2: "delivered twice",
              "withheld": "not sent, no longer needed"}
    return [f"{prefix}{kind.replace('_', ' ')} {labels.get(times, f'delivered {times} times')}: "
            f"{count}" for (kind, times), count in sorted(spread.items(), key=str)]
