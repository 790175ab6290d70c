"""Catalogs: every message the code uses exists, is translated and well-formed in fa and en."""

import ast
import re
import string
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from child_report_bot import i18n
from child_report_bot.domain.triage import CloseReason as Outcome
from child_report_bot.domain.triage import SendBackReason, Status
from child_report_bot.services.fieldwork import FEEDBACK
from child_report_bot.domain.report_draft import EDITABLE_STEPS, Activity, AgeBand, ContactMode, Step
from child_report_bot.ui.menu import MENU_ITEMS

ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(r"^[a-z_]+\.[a-z0-9_]*[a-z0-9]$")


def catalog(language):
    """``{key: text}``; an entry with plural forms is keyed by its msgid, its forms joined by
    new lines (so every check below reads each form)."""
    with i18n.po_path(language).open("rb") as handle:
        return {(message.id[0] if message.pluralizable else message.id):
                ("\n".join(message.string) if message.pluralizable else message.string)
                for message in read_po(handle) if message.id}


CATALOGS = {language: catalog(language) for language in i18n.LANGUAGES}
NAMESPACES = {key.split(".")[0] for key in CATALOGS["fa"]}


def keys_in_source():
    """Every string literal in the code that has the shape of a message key."""
    found = {}
    for path in ROOT.rglob("*.py"):
        if {".venv", "tests"} & set(path.relative_to(ROOT).parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        audit_actions = {  # log_event(conn, report, actor, "report.created"): not a message
            id(call.args[3]) for call in ast.walk(tree)
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "log_event"
            and len(call.args) > 3
        }
        for node in ast.walk(tree):
            if id(node) in audit_actions:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if KEY.match(node.value) and node.value.split(".")[0] in NAMESPACES:
                    found.setdefault(node.value, f"{path.name}:{node.lineno}")
    return found


def keys_built_at_run_time():
    """Keys the code assembles from enums (f"activity.{value}" and the like)."""
    keys = {f"activity.{a.value}" for a in Activity} | {f"age.{b.value}" for b in AgeBand}
    keys |= {f"contact.{c.value}" for c in ContactMode}
    keys |= {f"step.{s.name.lower()}" for s in EDITABLE_STEPS}
    keys |= {f"expect.{s.name.lower()}" for s in Step}
    keys |= {f"menu.{item}" for item in MENU_ITEMS}
    keys |= {f"language.name_{code}" for code in i18n.LANGUAGES}
    keys |= {f"status.{status.value}" for status in Status}
    keys |= {f"outcome.{outcome.value}" for outcome in Outcome}
    keys |= {f"reporter.closed_{outcome.value}" for outcome in Outcome}
    keys |= {f"sendback.{reason.value}" for reason in SendBackReason}
    keys |= {f"asg.feedback_{kind}" for kind in FEEDBACK}
    keys |= {f"asg.feedback_staff_{kind}" for kind in FEEDBACK}
    from child_report_bot.bot import COMMANDS
    keys |= {f"command.{name}" for name in COMMANDS}
    return keys


USED = set(keys_in_source()) | keys_built_at_run_time()


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_used_message_is_translated(language):
    """A message the code uses but a catalog lacks (or leaves empty) fails here."""
    missing = sorted(key for key in USED if not CATALOGS[language].get(key))
    assert not missing, f"{language} lacks: {missing}"


def test_catalogs_hold_no_unused_messages():
    """Keys no code uses are dead text that translators would keep up for nothing."""
    unused = sorted(set(CATALOGS["fa"]) - USED)
    assert not unused, f"unused messages: {unused}"


def test_both_catalogs_have_the_same_keys():
    assert set(CATALOGS["fa"]) == set(CATALOGS["en"])


def placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(CATALOGS["fa"]))
def test_placeholders_match_between_languages(key):
    assert placeholders(CATALOGS["fa"][key]) == placeholders(CATALOGS["en"][key])


class _TagChecker(HTMLParser):
    ALLOWED = {"b", "i", "u", "s", "code", "pre", "a", "blockquote"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in self.ALLOWED:
            self.errors.append(f"tag <{tag}> is not allowed by Telegram")
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unbalanced </{tag}>")


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_messages_are_valid_telegram_html(language):
    for key, text in CATALOGS[language].items():
        checker = _TagChecker()
        checker.feed(text)
        assert not checker.errors and not checker.stack, (key, checker.errors, checker.stack)


def test_persian_is_really_persian():
    """A Persian message left in English by mistake would pass the other checks."""
    def words(text):
        return re.findall("[A-Za-z]{4,}", re.sub(r"<[^>]*>|\{[^}]*\}", "", text))

    english = [key for key, text in CATALOGS["fa"].items()
               if text == CATALOGS["en"][key] and words(text)]
    assert not english, english


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_plural_entries_have_every_form_the_language_needs(language):
    """English has "1 photo" and "2 photos"; Persian one form: a missing form shows the key."""
    with i18n.po_path(language).open("rb") as handle:
        po = read_po(handle)
    for message in po:
        if message.pluralizable:
            assert len(message.string) == po.num_plurals and all(message.string), message.id


def test_compiled_catalogs_translate(tmp_path):
    i18n.compile_catalogs()
    assert i18n.translate("fa", "menu.report") == CATALOGS["fa"]["menu.report"]
    assert i18n.translate("en", "report.received", code="<R>").count("&lt;R&gt;") == 1
