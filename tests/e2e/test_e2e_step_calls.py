"""End to end: how many Bot API calls each report step costs (every citizen shares the bot's
30 messages a second), and that the answered questions stay readable in the chat."""

from __future__ import annotations

from tests.support.chat import Person, plain_text
from tests.support.emulator_spec import FLOOD_COUNTED

# (what the citizen does, its arguments, the question that follows)
WALK = (
    ("send", ("text", "/report"), "report.ask_danger"),
    ("press", ("v1:rep:danger:no",), "report.ask_activity"),
    ("press", ("v1:rep:act:flowers",), "report.ask_age"),
    ("press", ("v1:rep:age:6to12",), "report.ask_count"),
    ("press", ("v1:rep:count:2",), "report.ask_location"),
    ("send", ("location", 35.70, 51.34), "report.ask_photos"),
    ("press", ("v1:rep:photos:skip",), "report.ask_description"),
    ("press", ("v1:rep:desc:skip",), "report.ask_contact"),
    ("press", ("v1:rep:contact:anonymous",), "summary.title"),
)
# Button steps whose next question has buttons of its own (or none): the answered question can
# become the next one on the same message.
IN_PLACE = {"v1:rep:danger:no", "v1:rep:act:flowers", "v1:rep:age:6to12",
            "v1:rep:photos:skip", "v1:rep:desc:skip", "v1:rep:contact:anonymous"}


async def walk(emu, person: Person) -> list[tuple[str, int, int]]:
    """Walk to the summary; (step, counted calls, callback answers) per step."""
    figures = []
    for action, args, expect in WALK:
        mark = emu.mark()
        await getattr(person, action)(*args, expect=expect)
        calls = [call for call in emu.calls[mark:] if call.method != "getUpdates"]
        counted = sum(call.method in FLOOD_COUNTED for call in calls)
        answers = sum(call.method == "answerCallbackQuery" for call in calls)
        figures.append((str(args[0]), counted, answers))
    return figures


async def test_a_button_step_costs_one_message_call(emu, bot):
    """Each button step edits the answered question into the next one: one counted call."""
    tara = Person(emu, 7401, "en")
    figures = await walk(emu, tara)
    print("\nstep                         messages  answers")
    for step, counted, answers in figures:
        print(f"{step:<28} {counted:>8} {answers:>8}")
    print(f"total messages to the summary: {sum(c for _s, c, _a in figures)}")
    for step, counted, answers in figures:
        if step in IN_PLACE:
            assert (counted, answers) == (1, 1), step


async def test_the_answers_stay_readable_on_the_message(emu, bot):
    """What the chat shows afterwards: every answer given by a button, marked, in order."""
    tara = Person(emu, 7402, "en")
    await walk(emu, tara)
    shown = "\n".join(plain_text(message.get("text")) for message in emu.messages(tara.id))
    marked = [line for line in shown.splitlines() if line.startswith("✅")]
    for chosen in ("No", "Selling flowers", "6–12", "2", "Photos: none", "Description: —"):
        assert any(chosen in line for line in marked), chosen


async def test_an_edit_telegram_refuses_becomes_a_plain_send(emu, bot):
    """The question's message cannot be edited (too old, or the Bot API failed): the next
    question arrives as a message of its own and the conversation goes on."""
    tara = Person(emu, 7403, "en")
    await tara.send("text", "/report", expect="report.ask_danger")
    emu.add_fault("502", method="editMessageText", chat_id=tara.id)
    asked = await tara.press("v1:rep:danger:no", expect="report.ask_activity")
    assert asked.method == "sendMessage"
    await tara.press("v1:rep:act:flowers", expect="report.ask_age")
    assert [row["step"] for row in bot.rows("SELECT step FROM drafts")] == [4]
