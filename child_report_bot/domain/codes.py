"""Report codes such as ``R-7F3K2``: short, easy to read aloud, and random.

A sequential number would tell anyone who files two reports how many came in between. The
alphabet leaves out 0/O, 1/I/L and U so a code read over the phone is not misheard.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 5
CODE_PATTERN = re.compile(rf"^R-[{ALPHABET}]{{{LENGTH}}}$")


def new_code() -> str:
    """A fresh random code (the database's UNIQUE constraint catches the rare collision)."""
    return "R-" + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def parse_code(text: str) -> str | None:
    """A code as a person types it (``r-7f3k2``, ``7F3K2``) → ``R-7F3K2``, or ``None``."""
    value = text.strip().upper().replace(" ", "")
    if not value.startswith("R-"):
        value = "R-" + value.removeprefix("R")
    return value if CODE_PATTERN.match(value) else None
