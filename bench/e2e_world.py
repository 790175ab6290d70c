"""The stage of the end-to-end benchmark: the emulator here, the bot in a process of its own.

The emulator (and the people driving it) run in this process and the bot under test in a
child process, so the bot's CPU time is its own (read from ``/proc``) and the two do not share
one GIL. ``Watch`` hands every successful send or edit to the asyncio loop by chat, so a waiting
citizen looks only at its own chat instead of scanning every call.
"""

from __future__ import annotations

import asyncio
import copy
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from child_report_bot.domain.codes import ALPHABET, LENGTH
from tests.support.chat import SEND_METHODS, text_of
from tests.support.emulator import BotAPIEmulator

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:bench-token-for-the-emulator"
GROUPS = {"110": -1003000110, "123": -1003000123, "137": -1003000137, "ngo": -1003000999}
CODE = re.compile(rf"R-[{ALPHABET}]{{{LENGTH}}}")
_TICK = os.sysconf("SC_CLK_TCK")
_EXCEPTION = re.compile(r"^(?:[a-z_]\w*\.)*[A-Z]\w*: ")  # a traceback's last line


def bench_config(folder: Path, extra: str = "") -> Path:
    """The shipped config.toml with each queue bound to a group, lookups off, no per-person
    report cap, and two rules: flowers → 137 (the surge queue), scale → 123 (the second)."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace("# enabled = true", "enabled = false")
    text = text.replace("# max_reports_per_hour = 5", "max_reports_per_hour = 1000000")
    text = text.replace("# max_reports_per_day = 20", "max_reports_per_day = 1000000")
    for queue, chat in GROUPS.items():
        text = text.replace(f'[[queues]]\nid = "{queue}"\n',
                            f'[[queues]]\nid = "{queue}"\nchat_id = {chat}\n', 1)
    head, _, rest = text.partition("[[rules]]")
    tail = rest[rest.index("[geocoding]"):] if "[geocoding]" in rest else ""
    rules = ('[[rules]]\nname = "bench_second"\nactivities = ["scale"]\nqueue = "123"\n\n'
             '[[rules]]\nname = "bench_surge"\nactivities = ["flowers"]\nqueue = "137"\n\n')
    path = folder / "config.toml"
    path.write_text(head + rules + tail + extra, encoding="utf-8")
    return path


class Watch:
    """Successful sends and edits by chat, delivered to the loop with the emulator's time."""

    def __init__(self, emu: BotAPIEmulator, loop: asyncio.AbstractEventLoop) -> None:
        self.emu, self.loop = emu, loop
        self.waiters: dict[int, list[tuple[Callable, asyncio.Future]]] = defaultdict(list)
        self.first_seen: dict[str, float] = {}  # report code → when it first showed in a group
        self.server_cpu = 0.0  # CPU seconds the emulator's threads spent serving requests
        self.requests = 0
        self._lock = threading.Lock()
        record, dispatch = emu._record, emu._dispatch

        def recording(call) -> None:
            record(call)
            if call.error is None and call.method in SEND_METHODS \
                    and call.method != "answerCallbackQuery":
                loop.call_soon_threadsafe(self._deliver, call, time.monotonic())

        def dispatching(handler) -> None:
            start = time.thread_time()
            try:
                dispatch(handler)
            finally:
                with self._lock:
                    self.server_cpu += time.thread_time() - start
                    self.requests += 1

        emu._record, emu._dispatch = recording, dispatching

    def _deliver(self, call, at: float) -> None:
        chat = call.params.get("chat_id")
        if isinstance(chat, int) and chat < 0:
            for code in CODE.findall(text_of(call)):
                self.first_seen.setdefault(code, at)
        waiting = self.waiters.get(chat)
        if not waiting:
            return
        for entry in list(waiting):
            matches, future = entry
            if future.done():
                waiting.remove(entry)
            elif matches(call):
                future.set_result((at, call))
                waiting.remove(entry)

    def expect(self, chat: int, matches: Callable) -> asyncio.Future:
        """A future for the next call to ``chat`` that ``matches``; register before acting."""
        future = self.loop.create_future()
        self.waiters[chat].append((matches, future))
        return future


def newest_with_button(emu: BotAPIEmulator, chat: int, prefix: str) -> dict | None:
    """A copy of the bot's newest message in ``chat`` with a button whose data starts so."""
    with emu._cond:
        for message in reversed(list(emu._messages.get(chat, {}).values())):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button.get("callback_data", "").startswith(prefix):
                        return copy.deepcopy(message)
    return None


def button_data(message: dict, prefix: str) -> str:
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            if button.get("callback_data", "").startswith(prefix):
                return button["callback_data"]
    raise KeyError(prefix)


class Process:
    """A bot (``"bot"`` or ``"echo"``) polling the emulator from a child process."""

    def __init__(self, which: str, emu: BotAPIEmulator, folder: Path, config: Path | None,
                 *, rate_limiter: bool = True, profile: Path | None = None,
                 options: tuple[str, ...] = ()) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
        env.update(BOT_TOKEN=TOKEN, BOT_API_URL=emu.base_url, BOT_FILE_URL=emu.file_base_url,
                   BOT_DATABASE=str(folder / "bot.sqlite3"), BOT_LOG_LEVEL="INFO",
                   PYTHONPATH=str(ROOT))
        if config is not None:
            env["BOT_CONFIG"] = str(config)
        argv = [sys.executable, "-m", "bench.e2e_child", which]
        argv += [] if rate_limiter else ["--no-rate-limiter"]
        argv += [] if profile is None else ["--profile", str(profile)]
        argv += list(options)
        self.log_path = folder / f"{which}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.emu = emu
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT)

    async def ready(self, timeout: float = 60) -> None:
        """Wait until the child polls for updates (start-up done)."""
        deadline = time.monotonic() + timeout
        while not any(c.method == "getUpdates" for c in self.emu.calls[-50:]):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.log_path.name}: did not start; "
                                   + self.log_path.read_text(errors="replace")[-2000:])
            await asyncio.sleep(0.05)

    def cpu_seconds(self) -> float:
        """User + system CPU of the child so far (all its threads)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / _TICK

    def main_thread_cpu(self) -> float:
        """User + system CPU of the child's main thread (the event loop) so far."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/stat").read_text() \
                .rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / _TICK

    def exceptions(self) -> Counter[str]:
        """The exceptions in the child's log (a traceback's last line), by kind and message."""
        text = self.log_path.read_text(errors="replace")
        return Counter(line.strip()[:160] for line in text.splitlines()
                       if _EXCEPTION.match(line))

    def log_count(self, *needles: str) -> int:
        text = self.log_path.read_text(errors="replace")
        return sum(text.count(needle) for needle in needles)

    def stop(self) -> None:
        """SIGTERM (run_polling stops cleanly, a profile gets written), then kill if stuck."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
