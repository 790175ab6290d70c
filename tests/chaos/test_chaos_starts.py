"""Chaos: 20 starts of the real process while 10 % of all Bot API calls fail (500, 502, dropped
connections, timeouts), getMe and getUpdates included. Prints ``chaos starts: …``."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys

import pytest

from tests.conftest import ROOT, TOKEN, offline_config
from tests.e2e.test_e2e_crash import stop_process

STARTS = int(os.environ.get("CHAOS_STARTS", "20"))
KINDS = ("500", "502", "drop", "timeout")


def failing(rng: random.Random, share: float):
    def policy(method, params):
        return rng.choice(KINDS) if rng.random() < share else None
    return policy


@pytest.mark.timeout(1800)
async def test_twenty_starts_with_a_tenth_of_the_calls_failing(emu, tmp_path):
    rng = random.Random(int(os.environ.get("CHAOS_SEED", "13")))
    emu.timeout_delay = 2.0
    emu.set_fault_policy(failing(rng, 0.10), include_polling=True)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    environment.update({"BOT_TOKEN": TOKEN, "BOT_DATABASE": str(tmp_path / "bot.sqlite3"),
                        "BOT_API_URL": emu.base_url, "BOT_FILE_URL": emu.file_base_url,
                        "BOT_CONFIG": str(offline_config(tmp_path))})
    deaths, seconds = [], []
    loop = asyncio.get_running_loop()
    for attempt in range(STARTS):
        mark = emu.mark()
        began = loop.time()
        with open(tmp_path / f"start{attempt}.log", "wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "child_report_bot"], cwd=ROOT,
                                       env=environment, stdout=log, stderr=subprocess.STDOUT)
            try:
                while True:  # up (a getUpdates answered) or dead, whichever comes first
                    if process.poll() is not None:
                        lines = (tmp_path / f"start{attempt}.log").read_text().splitlines()
                        said = [line for line in lines if line.startswith(("the bot stopped", "start-up failed"))]
                        deaths.append((attempt, process.returncode, said[-1:] or lines[-1:]))
                        break
                    if any(c.method == "getUpdates" and c.status == 200
                           for c in emu.calls[mark:]):
                        seconds.append(loop.time() - began)
                        break
                    await asyncio.sleep(0.05)
            finally:
                if process.poll() is None:
                    stop_process(process)
    failed = sum(1 for c in emu.calls if c.fault)
    print(f"\nchaos starts: {STARTS} starts with 10 % of calls failing ({failed} calls failed): "
          f"{len(deaths)} start-up deaths {deaths or ''}".rstrip())
    if seconds:
        print(f"chaos starts: up in {min(seconds):.1f} s to {max(seconds):.1f} s "
              f"(median {sorted(seconds)[len(seconds) // 2]:.1f} s)")
    assert not deaths
