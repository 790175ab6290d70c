"""/delete: after the confirm button no table holds the reporter's id; the reports stay,
anonymised, and their updates stop. /privacy explains it in plain words."""

from __future__ import annotations

import sqlite3

from tests.support.chat import Person, text_of
from tests.support.flows import file_report
from tests.e2e.test_e2e_triage import REZA, office, posted, press  # noqa: F401


def cells_naming(path, user_id: int) -> list[str]:
    """Every table, column and row of the SQLite file whose value is or contains the id."""
    found = []
    needle = str(user_id)
    with sqlite3.connect(path) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        for table in tables:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            for row in conn.execute(f"SELECT * FROM {table}"):
                for column, value in zip(columns, row):
                    if value == user_id or (isinstance(value, str) and needle in value):
                        found.append(f"{table}.{column}")
    return found


async def test_delete_leaves_no_id_of_the_reporter_in_any_table(emu, office):
    citizen = Person(emu, 5488123, "en", first_name="Parisa", username="parisa_k")
    code = await file_report(citizen, contact="telegram")
    await file_report(citizen)
    reza = office.people[REZA]
    await press(reza, await posted(emu, office, code), f"v1:tri:claim:{code}", "tri.done_claim")
    await citizen.send("text", "/report", expect="report.ask_danger")     # an unfinished draft
    await citizen.send("text", "/cancel")
    assert cells_naming(office.settings.database, citizen.id)
    asked = await citizen.send("text", "/delete", expect="delete.confirm")
    assert "2" in text_of(asked)
    await citizen.press("v1:priv:erase", expect="delete.done")
    assert cells_naming(office.settings.database, citizen.id) == []
    row = office.rows("SELECT * FROM reports WHERE code = ?", (code,))[0]
    assert row["reporter_id"] == 0 and row["contact_name"] is None
    assert row["contact_username"] is None and row["contact_mode"] == "anonymous"
    assert office.rows("SELECT 1 FROM events WHERE action = 'reporter.erased'")
    mark = emu.mark()
    await reza.send("text", f"/show {code}", expect="post.normal")
    history = await reza.wait_for("view.history_title", after=mark)
    assert "the reporter" in text_of(history)
    await press(reza, await posted(emu, office, code), f"v1:tri:close:{code}")
    await press(reza, await posted(emu, office, code), f"v1:tri:out:{code}.centre",
                "tri.done_close")
    await reza.wait_for("tri.ask_note", after=mark)                 # the close has committed
    assert not office.rows("SELECT 1 FROM outbox WHERE payload LIKE '%reporter.closed%'")
    assert emu.calls_to("sendMessage", chat_id=citizen.id)[-1].params["text"] \
        == text_of(await citizen.wait_for("delete.after", after=0))


async def test_keep_erases_nothing_and_privacy_explains(emu, office):
    citizen = Person(emu, 5489, "en")
    await file_report(citizen)
    await citizen.send("text", "/delete", expect="delete.confirm")
    await citizen.press("v1:priv:keep", expect="delete.kept")
    assert office.rows("SELECT 1 FROM reports WHERE reporter_id = ?", (citizen.id,))
    text = text_of(await citizen.send("text", "/privacy", expect="privacy.text"))
    assert "never who reported" in text


async def test_staff_are_told_to_ask_an_admin(emu, office):
    await office.people[REZA].send("text", "/delete", expect="delete.has_role")
