"""Every place the product calls the Bot API, and whether the test suite ran it.

    python -m tests.support.call_sites [COVERAGE_FILE]

A call site is a call of a Bot API method (``bot.send_message``, ``message.reply_text``,
``query.answer``, ``query.edit_message_text`` …) written in ``child_report_bot/``, found by reading
the source (the names are PTB's own coroutine methods of ``Bot``, ``Message``, ``CallbackQuery``,
``Chat`` and ``User``). With a coverage data file from a test run it prints the call sites that
never ran and exits 1 if there is any: a call the suite never makes is a call the emulator never
judged (parameters, parse errors, chats that do not exist).
"""

from __future__ import annotations

import ast
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "child_report_bot"
# Coroutine names PTB shares with everyday Python (or with this project's own services).
NOT_API = {"close", "copy", "initialize", "shutdown", "delete", "leave", "pin", "forward",
           "get_updates", "do_api_request", "start", "stop", "get_file"}


def api_method_names() -> set[str]:
    import telegram

    names = set()
    for cls in (telegram.Bot, telegram.Message, telegram.CallbackQuery, telegram.Chat,
                telegram.User):
        for name, value in inspect.getmembers(cls):
            if not name.startswith("_") and inspect.iscoroutinefunction(value):
                names.add(name)
    return (names - NOT_API) | {"get_file"}


@dataclass(frozen=True)
class CallSite:
    path: Path
    line: int
    method: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line} {self.method}"


def call_sites() -> list[CallSite]:
    names = api_method_names()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in names):
                found.append(CallSite(path, node.lineno, node.func.attr))
    return sorted(found, key=lambda site: (str(site.path), site.line))


def unrun(data_file: Path) -> list[CallSite]:
    import coverage

    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    ran: dict[str, set[int]] = {}
    for measured in data.measured_files():
        ran[str(Path(measured).resolve())] = set(data.lines(measured) or ())
    return [site for site in call_sites()
            if site.line not in ran.get(str(site.path.resolve()), set())]


def main(argv: list[str]) -> int:
    sites = call_sites()
    if len(argv) < 2:
        print("\n".join(map(str, sites)))
        print(f"{len(sites)} Bot API call sites")
        return 0
    missing = unrun(Path(argv[1]))
    print(f"Bot API call sites: {len(sites)}, run by the suite: {len(sites) - len(missing)}")
    for site in missing:
        print(f"  never run: {site}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
