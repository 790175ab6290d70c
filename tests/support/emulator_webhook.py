"""Webhook delivery for the emulator: after ``setWebhook`` it POSTs each queued update to the
URL, with the ``X-Telegram-Bot-Api-Secret-Token`` header when a secret was set, as Telegram does.

An update counts as delivered only on a 2xx answer; anything else (or no answer) is retried, in
order, a moment later. ``deleteWebhook`` (an empty URL) stops the pusher.
"""

from __future__ import annotations

import copy
import json
import threading
import urllib.error
import urllib.request
from typing import Any

RETRY_PAUSE = 0.2  # seconds between attempts when the bot does not take an update


def set_webhook(emulator: Any, params: dict) -> None:
    """Remember the URL, the secret and the update types; start pushing if not already."""
    with emulator._cond:
        emulator.webhook_secret = params.get("secret_token") or None
        if params.get("allowed_updates"):
            emulator._allowed_updates = list(params["allowed_updates"])
        emulator.webhook_posts = getattr(emulator, "webhook_posts", [])
        running = getattr(emulator, "_webhook_thread", None)
        if emulator.webhook_url and (running is None or not running.is_alive()):
            thread = threading.Thread(target=_push, args=(emulator,), daemon=True,
                                      name="emulator-webhook")
            emulator._webhook_thread = thread
            thread.start()
        emulator._cond.notify_all()


def _post(url: str, secret: str | None, update: dict) -> int:
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(update).encode(), headers=headers,
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0  # not listening (yet) or the connection dropped


def _push(emulator: Any) -> None:
    while not emulator._stop_event.is_set():
        with emulator._cond:
            if not emulator.webhook_url:
                return
            batch = emulator._available(1)
            if not batch:
                emulator._cond.wait(0.1)
                continue
            update, url, secret = copy.deepcopy(batch[0]), emulator.webhook_url, \
                emulator.webhook_secret
        status = _post(url, secret, update)
        with emulator._cond:
            emulator.webhook_posts.append((update["update_id"], status))
            if 200 <= status < 300:
                update_id = update["update_id"]
                emulator._queue = [u for u in emulator._queue if u["update_id"] != update_id]
                emulator._redeliver = [e for e in emulator._redeliver
                                       if e[0]["update_id"] != update_id]
                emulator._delivered.append(update)
                emulator._cond.notify_all()
                continue
        emulator._stop_event.wait(RETRY_PAUSE)
