"""The emulator's record of calls and its update queue (getUpdates with Telegram's offsets)."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable
from typing import Any

from tests.support.emulator_base import ApiError, Call
from tests.support.emulator_http import respond_json


class CallsAndUpdates:
    """Mixin of ``BotAPIEmulator``: waiting for calls, injecting and serving updates."""

    def mark(self) -> int:
        """The current number of calls, for ``after=`` in the waiting helpers."""
        return len(self.calls)

    def reset_calls(self) -> None:
        """Forgets recorded calls (indices from ``mark`` become meaningless)."""
        with self._cond:
            self.calls.clear()

    def calls_to(self, method: str | None = None, chat_id: Any = None) -> list[Call]:
        """Recorded calls, optionally only of ``method`` (any case) and/or to ``chat_id``."""
        with self._cond:
            return [c for c in self.calls if self._matches(c, None, method, chat_id)]

    @staticmethod
    def _matches(call: Call, predicate: Callable | None, method: str | None,
                 chat_id: Any) -> bool:
        if method is not None and call.method.lower() != method.lower():
            return False
        if chat_id is not None and call.params.get("chat_id") != chat_id:
            return False
        return predicate is None or bool(predicate(call))

    def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 10, *,
                 after: int = 0) -> Call:
        """Blocks until a call (index >= ``after``) satisfies ``predicate``; returns it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for call in self.calls[after:]:
                    if predicate(call):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_report(timeout, after))
                self._cond.wait(min(remaining, 0.1))

    def wait_until(self, condition: Callable[[], bool], timeout: float = 10) -> None:
        """Blocks until ``condition()`` is true (checked after every call and every 0.05 s)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_report(timeout, 0))
                self._cond.wait(min(remaining, 0.05))

    async def await_call(self, predicate: Callable[[Call], bool] | None = None, *,
                         method: str | None = None, chat_id: Any = None,
                         after: int | None = None, timeout: float = 10) -> Call:
        """Waits (without blocking the event loop) for the first matching call with index >=
        ``after`` and returns it; raises AssertionError with the last calls on timeout."""
        start = after or 0
        deadline = time.monotonic() + timeout
        while True:
            for call in self.calls[start:]:
                if self._matches(call, predicate, method, chat_id):
                    return call
            if time.monotonic() >= deadline:
                what = ", ".join(f"{k}={v!r}" for k, v in
                                 (("method", method), ("chat_id", chat_id)) if v is not None)
                raise AssertionError(self._timeout_report(timeout, start, what))
            await asyncio.sleep(0.02)

    def _timeout_report(self, timeout: float, after: int, what: str = "") -> str:
        recent = [c for c in self.calls if c.method != "getUpdates"][-15:]
        lines = [f"no matching call{' (' + what + ')' if what else ''} after #{after} within "
                 f"{timeout}s; "
                 f"{len(self.calls)} calls in all, the last ones (getUpdates left out):"]
        lines += [f"  {call!r}" for call in recent] or ["  (none)"]
        return "\n".join(lines)

    # updates -----------------------------------------------------------------
    def inject(self, update: dict) -> int:
        """Queues ``update`` (a copy) under the next update_id, wakes getUpdates; returns the id."""
        with self._cond:
            update = copy.deepcopy(update)
            update["update_id"] = self._next_update_id
            self._next_update_id += 1
            self._queue.append(update)
            self._cond.notify_all()
            return update["update_id"]

    def inject_raw(self, update: dict) -> int:
        """Queues ``update`` keeping its update_id (Telegram re-sending after a crash).

        An id that was already issued (delivered, confirmed or still pending) is served by the
        next getUpdates regardless of its offset, in front of the other updates, and then
        stays until a later getUpdates confirms it with a higher offset. A new id is queued
        normally (later ``inject`` ids continue after it). A callback query in it can be
        answered again.
        """
        with self._cond:
            update = copy.deepcopy(update)
            update_id = int(update["update_id"])
            query = update.get("callback_query")
            if query:
                self._queries[str(query["id"])] = {"answered": False, "created": self.now()}
            if update_id < self._next_update_id:
                self._redeliver.append([update, False])
            else:
                self._queue.append(update)
                self._queue.sort(key=lambda u: u["update_id"])
                self._next_update_id = update_id + 1
            self._cond.notify_all()
            return update_id

    def delivered_updates(self) -> list[dict]:
        """Copies of all updates returned by getUpdates, in delivery order (with repeats)."""
        with self._cond:
            return copy.deepcopy(self._delivered)

    def pending_updates(self) -> list[dict]:
        """Copies of the updates not yet confirmed by an offset."""
        with self._cond:
            return copy.deepcopy([entry[0] for entry in self._redeliver] + self._queue)

    def _serve_get_updates(self, handler: Any, params: dict, files: dict,
                           kind: str | None) -> None:
        call = Call("getUpdates", params, files, status=0, fault=kind)
        self._record(call)
        result, error = None, None
        try:
            result = self._get_updates(params)
        except ApiError as exc:
            error = exc
        with self._cond:
            call.result = copy.deepcopy(result)
            call.status = error.code if error else 200
            if error:
                call.error = error.description
            if kind == "timeout_after_send":
                call.error = "fault timeout_after_send: updates delivered, response delayed"
            self._cond.notify_all()
        if kind == "timeout_after_send":
            self._stop_event.wait(self.timeout_delay)
        if error:
            respond_json(handler, error.code, error.payload())
        else:
            respond_json(handler, 200, {"ok": True, "result": result})

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        with self._cond:
            if self.webhook_url:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                    "active; use deleteWebhook to delete the webhook first")
            if "allowed_updates" in params:
                self._allowed_updates = list(params["allowed_updates"] or []) or None
            self._poll_generation += 1
            generation = self._poll_generation
            self._cond.notify_all()  # an older waiting poll is terminated with 409
            if offset > 0:
                self._confirmed_below = max(self._confirmed_below, offset)
                self._queue = [u for u in self._queue if u["update_id"] >= offset]
                self._redeliver = [e for e in self._redeliver
                                   if not (e[1] and e[0]["update_id"] < offset)]
            elif offset < 0:
                self._queue = self._queue[offset:]
            deadline = time.monotonic() + timeout
            while True:
                if generation != self._poll_generation:
                    raise ApiError(409, "Conflict: terminated by other getUpdates request; make "
                                        "sure that only one bot instance is running")
                batch = self._available(limit)
                remaining = deadline - time.monotonic()
                if batch or self._stopping or remaining <= 0:
                    break
                self._cond.wait(remaining)
            for entry in self._redeliver:
                if any(entry[0] is update for update in batch):
                    entry[1] = True
            batch = copy.deepcopy(batch)
            self._delivered.extend(copy.deepcopy(batch))
            return batch

    def _available(self, limit: int) -> list[dict]:
        allowed = self._allowed_updates
        if allowed:
            def wanted(update: dict) -> bool:
                return any(key in allowed for key in update if key != "update_id")
            self._queue = [u for u in self._queue if wanted(u)]
            self._redeliver = [e for e in self._redeliver if wanted(e[0])]
        return ([entry[0] for entry in self._redeliver] + self._queue)[:limit]
