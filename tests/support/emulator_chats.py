"""Bot API methods about the bot itself, callback queries, files and chats."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from tests.support.emulator_webhook import set_webhook
from tests.support.emulator_base import (
    CALLBACK_ANSWER_SECONDS, FILE_DIRS, GET_ME, QUERY_INVALID, ApiError, bad)


class ChatMethods:
    """Mixin of ``BotAPIEmulator``: getMe, commands, descriptions, callbacks, files, chats."""

    def _api_get_me(self, params: dict, files: dict) -> dict:
        return dict(GET_ME)

    def _api_log_out(self, params: dict, files: dict) -> bool:
        return True

    _api_close = _api_log_out

    def _api_delete_webhook(self, params: dict, files: dict) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._queue.clear()
            self._redeliver.clear()
        return True

    def _api_set_webhook(self, params: dict, files: dict) -> bool:
        self.webhook_url = str(params.get("url") or "")
        set_webhook(self, params)  # the emulator then POSTs updates there (emulator_webhook)
        return True

    def _api_get_webhook_info(self, params: dict, files: dict) -> dict:
        return {"url": self.webhook_url, "has_custom_certificate": False,
                "pending_update_count": len(self._queue) + len(self._redeliver)}

    @staticmethod
    def _scope_key(params: dict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _api_set_my_commands(self, params: dict, files: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad('parameter "commands" is required')
        if len(commands) > 100:
            raise bad("too many commands")
        for item in commands:
            if not isinstance(item, dict):
                raise bad("can't parse BotCommand")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(item.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(item.get("description", ""))) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._scope_key(params)] = copy.deepcopy(commands)
        return True

    def _api_get_my_commands(self, params: dict, files: dict) -> list:
        return copy.deepcopy(self.commands.get(self._scope_key(params), []))

    def _api_delete_my_commands(self, params: dict, files: dict) -> bool:
        self.commands.pop(self._scope_key(params), None)
        return True

    def _describe(self, params: dict, key: str, limit: int) -> bool:
        value = str(params.get(key) or "")
        if len(value) > limit:
            raise bad(f"{key.replace('_', ' ')} is too long")
        self.descriptions[(key, str(params.get("language_code") or ""))] = value
        return True

    def _api_set_my_description(self, params: dict, files: dict) -> bool:
        return self._describe(params, "description", 512)

    def _api_set_my_short_description(self, params: dict, files: dict) -> bool:
        return self._describe(params, "short_description", 120)

    def _api_set_my_name(self, params: dict, files: dict) -> bool:
        return self._describe(params, "name", 64)

    def _described(self, params: dict, key: str) -> dict:
        return {key: self.descriptions.get((key, str(params.get("language_code") or "")), "")}

    def _api_get_my_description(self, params: dict, files: dict) -> dict:
        return self._described(params, "description")

    def _api_get_my_short_description(self, params: dict, files: dict) -> dict:
        return self._described(params, "short_description")

    def _api_get_my_name(self, params: dict, files: dict) -> dict:
        return self._described(params, "name")

    def _api_set_chat_menu_button(self, params: dict, files: dict) -> bool:
        if params.get("chat_id") is not None:  # without one it is the bot's default button
            self._chat(params, send=False)
        button = params.get("menu_button")
        if button is not None and (not isinstance(button, dict) or "type" not in button):
            raise bad("can't parse menu button")
        self.menu_buttons[params.get("chat_id")] = button
        return True

    def _api_get_chat_menu_button(self, params: dict, files: dict) -> dict:
        if params.get("chat_id") is not None:
            self._chat(params, send=False)
        return copy.deepcopy(self.menu_buttons.get(params.get("chat_id"))
                             or {"type": "commands"})

    def _api_get_updates(self, params: dict, files: dict) -> list:  # served by _get_updates
        raise AssertionError("unreachable")

    # callbacks, files, chats ---------------------------------------------------
    def _api_answer_callback_query(self, params: dict, files: dict) -> bool:
        query_id = params.get("callback_query_id")
        if query_id is None or query_id == "":
            raise bad('parameter "callback_query_id" is required')
        query = self._queries.get(str(query_id))
        # Telegram forgets a query once answered or CALLBACK_ANSWER_SECONDS after the press.
        if (query is None or query["answered"]
                or self.now() - query["created"] > CALLBACK_ANSWER_SECONDS):
            raise ApiError(400, QUERY_INVALID)
        if len(str(params.get("text") or "")) > 200:
            raise bad("MESSAGE_TOO_LONG")
        query["answered"] = True
        self.callback_answers[str(query_id)] = dict(params)
        return True

    def _api_get_file(self, params: dict, files: dict) -> dict:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad("invalid file_id")
        if len(stored.content) > 20 * 1024 * 1024:  # Telegram's getFile limit
            raise bad("file is too big")
        if stored.file_path is None:
            folder, suffix = FILE_DIRS.get(stored.kind, ("documents", ""))
            if stored.file_name and "." in stored.file_name:
                suffix = "." + stored.file_name.rsplit(".", 1)[-1]
            stored.file_path = f"{folder}/file_{next(self._counter)}{suffix}"
            self._file_paths[stored.file_path] = stored
        return {"file_id": stored.file_id, "file_unique_id": stored.unique_id,
                "file_size": len(stored.content), "file_path": stored.file_path}

    def _api_get_chat(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params, send=False)
        return {**self.chat_json(chat_id), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}

    def _member(self, chat_id: Any, user_id: int) -> dict:
        status = self.member_status.get((chat_id, user_id),
                                        self.member_status.get(user_id, "member"))
        user = self.user_json(user_id)
        if isinstance(status, dict):
            return {**status, "user": status.get("user", user)}
        member: dict = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(dict.fromkeys(
                ("can_be_edited", "is_anonymous", "can_promote_members", "can_post_stories",
                 "can_edit_stories", "can_delete_stories"), False))
            member.update(dict.fromkeys(
                ("can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                 "can_restrict_members", "can_change_info", "can_invite_users",
                 "can_pin_messages"), True))
        elif status == "restricted":
            member.update(dict.fromkeys(
                ("can_change_info", "can_invite_users", "can_pin_messages", "can_send_messages",
                 "can_send_polls", "can_send_other_messages", "can_add_web_page_previews",
                 "can_manage_topics", "can_send_audios", "can_send_documents",
                 "can_send_photos", "can_send_videos", "can_send_video_notes",
                 "can_send_voice_notes", "can_edit_tag"), False))
            member.update(is_member=True, until_date=0)
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def _api_get_chat_member(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params, send=False)
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise bad("invalid user_id specified")
        return self._member(chat_id, user_id)

    def _api_get_chat_administrators(self, params: dict, files: dict) -> list[dict]:
        chat_id = self._chat(params, send=False)
        user_ids = []
        for key in self.member_status:
            user_id = key[1] if isinstance(key, tuple) and key[0] == chat_id else key
            if isinstance(user_id, int) and user_id not in user_ids:
                user_ids.append(user_id)
        members = [self._member(chat_id, user_id) for user_id in user_ids]
        return [m for m in members if m.get("status") in ("creator", "administrator")]

    def _api_pin_chat_message(self, params: dict, files: dict) -> bool:
        chat_id = self._chat(params)
        if self._find(chat_id, params.get("message_id")) is None:
            raise bad("message to pin not found")
        self.pinned[chat_id] = params["message_id"]
        return True

    def _api_unpin_chat_message(self, params: dict, files: dict) -> bool:
        self.pinned.pop(self._chat(params, send=False), None)
        return True

    def _api_leave_chat(self, params: dict, files: dict) -> bool:
        self.left_chats.add(self._chat(params, send=False))
        return True
