"""One citizen's chat as the emulator saw it, for a look after a chaos run: every update the
bot was given from them and every call the bot made to them, in order."""

from __future__ import annotations

import json


def _about(update: dict, user_id: int) -> bool:
    for part in ("message", "callback_query", "edited_message"):
        body = update.get(part)
        if body and (body.get("from") or {}).get("id") == user_id:
            return True
    return False


def chat_record(emu, user_id: int) -> list[str]:
    """Lines: ``update …`` for what the citizen sent, ``call …`` for what the bot did."""
    lines = []
    for update in emu.delivered_updates():
        if _about(update, user_id):
            body = update.get("message") or update.get("callback_query") or {}
            shown = {k: body.get(k) for k in ("message_id", "text", "data", "location")
                     if body.get(k) is not None}
            if "message" in body:  # a press: which message it was on
                shown["on"] = body["message"].get("message_id")
            lines.append(f"update {update['update_id']} {json.dumps(shown, ensure_ascii=False)}")
    queries = {str((u.get("callback_query") or {}).get("id")) for u in emu.delivered_updates()
               if _about(u, user_id)}
    for call in emu.calls:
        if call.params.get("chat_id") == user_id or (
                call.method == "answerCallbackQuery"
                and str(call.params.get("callback_query_id")) in queries):
            params = {k: (v[:120] if isinstance(v, str) else v) for k, v in call.params.items()
                      if k not in ("reply_markup",)}
            if call.params.get("reply_markup"):
                params["buttons"] = str(call.params["reply_markup"])[:160]
            lines.append(f"call #{call.index} {call.method} "
                         f"{json.dumps(params, ensure_ascii=False, default=str)} "
                         f"-> {call.error or 'ok'}")
    return lines
