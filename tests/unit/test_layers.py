"""The import graph reads top to bottom: no module imports from a layer above its own.

    bot, __main__, wiring    the entry: builds everything (wiring: the services, connected)
    jobs                     periodic work (like handlers, but started by the clock)
    handlers                 Telegram at the edge
    context                  the typed CallbackContext handlers and jobs receive
    delivery                 the outbox sender and what turns an outbox row into API calls
    services                 use cases: read, decide in the domain, write, queue effects
    ui                       texts, keyboards, the callback-data codec (no storage, no Telegram I/O)
    storage                  SQL only, returns typed models
    settings, i18n           configuration and catalogs
    domain                   pure Python: rules, models, no I/O

A module may import its own layer and any layer below it. The test parses every module's imports
(top-level and inside functions), so a lazy import cannot hide an upward dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "child_report_bot"

RANKS = {
    "domain": 0,
    "settings": 1, "i18n": 1, "privacy_options": 1, "metrics": 1,
    "storage": 2,
    "ui": 3,
    "services": 4,
    "delivery": 5,
    "context": 6,
    "handlers": 7,
    "jobs": 8,
    "bot": 9, "__main__": 9, "__init__": 9, "wiring": 9, "ops": 9,
}
# Imports allowed across layers for a reason stated here; keep this empty where possible.
EXCEPTIONS: set[tuple[str, str]] = set()


def layer_of(module: str) -> str:
    """``child_report_bot.storage.reports`` → ``storage``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        found[".".join(relative.parts)] = path
    return found


def imports_of(module: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    package = module.rsplit(".", 1)[0] if not path.name == "__init__.py" else module
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("child_report_bot.")}


def test_every_module_has_a_layer():
    unknown = {layer_of(name) for name in modules()} - set(RANKS)
    assert not unknown, f"add these to RANKS (and to the docstring): {sorted(unknown)}"


def test_no_module_imports_from_a_layer_above_its_own():
    upward = []
    known = modules()
    for module, path in sorted(known.items()):
        mine = layer_of(module)
        for target in sorted(imports_of(module, path)):
            if target not in known and target.rsplit(".", 1)[0] not in known:
                continue
            theirs = layer_of(target)
            if RANKS[theirs] > RANKS[mine] and (mine, theirs) not in EXCEPTIONS:
                upward.append(f"{module} ({mine}) imports {target} ({theirs})")
    assert not upward, "imports that run upward:\n" + "\n".join(upward)


def test_the_domain_knows_nothing_of_telegram_sqlite_or_the_network():
    # geopy.distance is arithmetic on the ellipsoid; its geocoders are the network.
    forbidden = ("telegram", "aiosqlite", "sqlite3", "httpx", "geopy.geocoders", "geopy.adapters")
    found = []
    for module, path in modules().items():
        if layer_of(module) != "domain":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{module} imports {n}" for n in names
                      if any(n == f or n.startswith(f + ".") for f in forbidden)]
    assert not found, found
