"""Chaos (c): at least 10,000 fuzzed updates from a seeded generator; prints its figures."""

from __future__ import annotations

import os

import pytest

from tests.e2e.test_e2e_fuzz import run_fuzz

UPDATES = int(os.environ.get("CHAOS_FUZZ_UPDATES", "10000"))


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("seed", [int(s) for s in os.environ.get("CHAOS_SEEDS", "1").split(",")])
async def test_ten_thousand_fuzzed_updates(emu, bot, seed):
    kinds = await run_fuzz(emu, bot, UPDATES, seed)
    for kind, count in kinds.items():
        print(f"  {count} x {kind}")
    assert not kinds
