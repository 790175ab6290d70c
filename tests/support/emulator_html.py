"""Telegram's text formatting as the Bot API server does it (tdlib's ``parse_html``).

Only Telegram's tags are accepted; a ``<`` that does not open one is an error, as are unclosed
or mis-nested tags. Only ``&lt; &gt; &amp; &quot;`` and numeric references are decoded: any
other named entity (``&nbsp;``) is left in the text literally, as Telegram shows it, and noted
so the emulator can fail the test. An unquoted attribute value must be a name token (letters,
digits, ``.`` and ``-``), so a URL in ``href`` has to be quoted. Error texts and byte offsets are
Telegram's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.support.emulator_base import ApiError, bad

TAGS = {"a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler",
        "tg-emoji", "span", "pre", "code", "blockquote"}
_ENTITY_TYPE = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic",
                "u": "underline", "ins": "underline", "s": "strikethrough",
                "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
                "span": "spoiler", "pre": "pre", "code": "code", "blockquote": "blockquote",
                "a": "text_link", "tg-emoji": "custom_emoji"}
_SPACE = frozenset(" \t\r\n\v\f\0")  # tdlib counts the terminating NUL as a space
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HEX, _DEC = frozenset("0123456789abcdefABCDEF"), frozenset("0123456789")
_SURROGATES = ("Text contains invalid Unicode characters after decoding HTML entities, check "
               "for unmatched surrogate code units")


def u16(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int      # UTF-16 offset in the plain text
    position: int    # index in the list of plain-text pieces


def _entity_at(s: str, i: int) -> tuple[str | None, int]:
    """``(decoded, next_index)`` for the reference at ``s[i] == "&"``; ``None`` if not one."""
    j = i + 1
    if s[j] == "#":
        j += 1
        digits = _DEC
        base = 10
        if s[j] in "xX":
            j, digits, base = j + 1, _HEX, 16
        start = j
        while s[j] in digits:
            j += 1
        if j == start:
            return None, i
        code = int(s[start:j], base)
        if code > 0x10FFFF:
            return None, i
        if 0xD800 <= code <= 0xDFFF:
            raise bad("can't parse entities: " + _SURROGATES)
        decoded = chr(code)
    else:
        start = j
        while s[j].isascii() and s[j].isalnum():
            j += 1
        decoded = _NAMED.get(s[start:j])
        if decoded is None:
            return None, i
    if s[j] == ";":
        j += 1
    return decoded, j


def _decode(value: str) -> str:
    """An attribute value with its references decoded (the others kept literally)."""
    s, out, i = value + "\0", [], 0
    while i < len(value):
        if s[i] == "&":
            decoded, j = _entity_at(s, i)
            if decoded is not None:
                out.append(decoded)
                i = j
                continue
        out.append(s[i])
        i += 1
    return "".join(out)


class _Parser:
    """One run of Telegram's HTML parser over ``text``."""

    def __init__(self, text: str, notes: list[str] | None) -> None:
        self.text, self.s = text, text + "\0"
        self.notes = notes if notes is not None else []
        self.pieces: list[str] = []
        self.length = 0
        self.stack: list[_Open] = []
        self.entities: list[dict] = []

    def fail(self, message: str) -> ApiError:
        return bad("can't parse entities: " + message)

    def at(self, index: int) -> int:
        """Byte offset of ``text[index]`` in UTF-8, as Telegram reports positions."""
        return len(self.text[:index].encode("utf-8"))

    def add(self, piece: str) -> None:
        self.pieces.append(piece)
        self.length += u16(piece)

    def skip_spaces(self, i: int) -> int:
        while self.s[i] != "\0" and self.s[i] in _SPACE:
            i += 1
        return i

    def run(self) -> tuple[str, list[dict]]:
        s, i, n = self.s, 0, len(self.text)
        while i < n:
            char = s[i]
            if char == "&":
                decoded, j = _entity_at(s, i)
                if decoded is not None:
                    self.add(decoded)
                    i = j
                    continue
                name = re.match(r"&[A-Za-z][A-Za-z0-9]*;", s[i:])
                if name:
                    self.notes.append(f"HTML entity {name.group()} is not decoded by Telegram "
                                      "and is shown literally")
            if char != "<":
                self.add(char)
                i += 1
                continue
            i = self.end_tag(i) if s[i + 1] == "/" else self.start_tag(i)
        if self.stack:
            raise self.fail("Can't find end tag corresponding to start tag "
                            f'"{self.stack[-1].tag}"')
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.pieces), entities

    def start_tag(self, begin: int) -> int:
        s, i = self.s, begin + 1
        while s[i] not in _SPACE and s[i] != ">":
            i += 1
        if s[i] == "\0" and i >= len(self.text):
            raise self.fail(f"Unclosed start tag at byte offset {self.at(begin)}")
        tag = s[begin + 1:i].lower()
        if tag not in TAGS:
            raise self.fail(f'Unsupported start tag "{tag}" at byte offset {self.at(begin)}')
        attributes: dict[str, str] = {}
        while s[i] != ">":
            i = self.skip_spaces(i)
            if s[i] == ">":
                break
            if i >= len(self.text):
                raise self.fail(f"Unclosed start tag at byte offset {self.at(begin)}")
            name_begin = i
            while s[i] not in _SPACE and s[i] not in "=>":
                i += 1
            name = s[name_begin:i].lower()
            if not name:
                raise self.fail(f'Empty attribute name in the tag "{tag}" at byte offset '
                                f"{self.at(begin)}")
            i = self.skip_spaces(i)
            if i >= len(self.text):
                raise self.fail(f'Unclosed start tag "{tag}" at byte offset {self.at(begin)}')
            if s[i] != "=":
                if tag == "blockquote" and name == "expandable":
                    attributes[name] = ""
                    continue
                raise self.fail("Expected equal sign in declaration of an attribute of the tag "
                                f'"{tag}" at byte offset {self.at(begin)}')
            i = self.skip_spaces(i + 1)
            if i >= len(self.text):
                raise self.fail(f'Unclosed start tag "{tag}" at byte offset {self.at(begin)}')
            if s[i] in "'\"":
                close = self.text.find(s[i], i + 1)
                if close < 0:
                    raise self.fail(f"Unclosed start tag at byte offset {self.at(begin)}")
                attributes[name] = _decode(s[i + 1:close])
                i = close + 1
            else:
                token_begin = i
                while s[i].isascii() and (s[i].isalnum() or s[i] in ".-"):
                    i += 1
                attributes[name] = s[token_begin:i].lower()
                if s[i] not in _SPACE and s[i] != ">":
                    raise self.fail("Unexpected end of name token at byte offset "
                                    f"{self.at(token_begin)}")
        self.stack.append(_Open(tag, self.argument(tag, attributes, begin), self.length,
                                len(self.pieces)))
        return i + 1

    def argument(self, tag: str, attributes: dict[str, str], begin: int) -> str:
        """What a tag carries: a URL, a language, "spoiler", an emoji id or "expandable"."""
        if tag == "a":
            return attributes.get("href", "")
        if tag == "code":
            language = attributes.get("class", "")
            return language[len("language-"):] if language.startswith("language-") else ""
        if tag == "span":
            kind = attributes.get("class", "")
            if kind != "tg-spoiler":
                raise self.fail('Tag "span" must have class "tg-spoiler" at byte offset '
                                f"{self.at(begin)}")
            return "spoiler"
        if tag == "tg-emoji":
            return attributes.get("emoji-id", "")
        if tag == "blockquote" and "expandable" in attributes:
            return "expandable"
        return ""

    def end_tag(self, begin: int) -> int:
        s = self.s
        if not self.stack:
            raise self.fail(f"Unexpected end tag at byte offset {self.at(begin)}")
        i = begin + 2
        while s[i] not in _SPACE and s[i] != ">":
            i += 1
        name = s[begin + 2:i].lower()
        i = self.skip_spaces(i)
        if s[i] != ">":
            raise self.fail(f"Unclosed end tag at byte offset {self.at(begin)}")
        opened = self.stack[-1]
        if name and name != opened.tag:
            raise self.fail(f"Unmatched end tag at byte offset {self.at(begin)}, expected "
                            f'"</{opened.tag}>", found "</{name}>"')
        self.stack.pop()
        self.close(opened)
        return i + 1

    def close(self, opened: _Open) -> None:
        length = self.length - opened.offset
        if length == 0:
            return
        tag, argument = opened.tag, opened.argument
        entity: dict[str, Any] = {"type": _ENTITY_TYPE[tag], "offset": opened.offset,
                                  "length": length}
        if tag == "a":
            url = argument or "".join(self.pieces[opened.position:])
            if not re.match(r"^(https?|tg)://\S+$", url) and not argument:
                return  # Telegram makes a link of the text only when it is a URL
            entity["url"] = url
        elif tag == "code" and self.stack and self.stack[-1].tag == "pre":
            if argument:
                self.stack[-1].argument = argument
            return  # Telegram merges <pre><code class="language-x"> into one pre entity
        elif tag == "pre" and argument:
            entity["language"] = argument
        elif tag == "blockquote" and argument:
            entity["type"] = "expandable_blockquote"
        elif tag == "tg-emoji":
            if not argument.isdigit() or int(argument) == 0:
                raise self.fail("Invalid custom emoji identifier specified")
            entity["custom_emoji_id"] = argument
        self.entities.append(entity)


def parse_html(text: str, notes: list[str] | None = None) -> tuple[str, list[dict]]:
    """Telegram's HTML parse mode: ``(plain_text, entities)`` or ``ApiError`` 400.

    Named entities Telegram leaves undecoded are appended to ``notes``.
    """
    return _Parser(text, notes).run()
def _parse_markdown_v2(text: str) -> tuple[str, list[dict]]:
    """Approximate MarkdownV2: rejects unescaped reserved characters, drops escapes."""
    out, i, in_code, in_url = [], 0, False, False
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if char == "`":
            in_code = not in_code
        elif in_url and char == ")":
            in_url = False
        elif not in_code and not in_url and char == "(" and i and text[i - 1] == "]":
            in_url = True
        elif not in_code and not in_url and char in "#+-={}.!" and not (
                char == "!" and text[i + 1:i + 2] == "["):
            raise bad(f"can't parse entities: Character '{char}' is reserved and must be "
                       f"escaped with the preceding '\\'")
        if char not in "*_~|`" and not (char == "(" and in_url):
            out.append(char)
        i += 1
    return "".join(out), []


def format_text(text: str, parse_mode: str | None, entities: Any,
                notes: list[str] | None = None) -> tuple[str, list[dict]]:
    """Applies ``parse_mode`` (HTML exactly, MarkdownV2 roughly) or explicit ``entities``."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text, notes)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return text, []
    if mode:
        raise bad("unsupported parse_mode")
    if entities is not None and not isinstance(entities, list):
        raise bad("can't parse entities JSON object")
    return text, list(entities or [])

