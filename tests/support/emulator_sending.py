"""Bot API methods that send or edit messages."""

from __future__ import annotations

import copy

from tests.support.emulator_base import CAPTIONABLE, CHAT_ACTIONS, MEDIA_KEYS, NOT_MODIFIED, bad


class SendingMethods:
    """Mixin of ``BotAPIEmulator``: sendMessage and the other sends, edits and deletes."""

    def _api_send_message(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        text, entities = self._text(params)
        content: dict = {"text": text}
        if entities:
            content["entities"] = entities
        return self._new_message(params, content, chat_id)

    def _api_send_photo(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        content = self._caption(params, {})
        stored = self._input_file(params.get("photo"), files, "photo", "photo", ("photo",))
        return self._new_message(params, {**self._media_content(stored, "photo"), **content},
                                 chat_id)

    def _api_send_document(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        content = self._caption(params, {})
        stored = self._input_file(params.get("document"), files, "document", "document",
                                  ("document", "animation", "audio", "video"))
        return self._new_message(params, {**self._media_content(stored, "document"),
                                          **content}, chat_id)

    @staticmethod
    def _location(params: dict) -> dict:
        latitude, longitude = params.get("latitude"), params.get("longitude")
        if latitude is None or longitude is None or latitude == "" or longitude == "":
            raise bad("latitude or longitude is empty")
        if not isinstance(latitude, int | float) or not -90 <= latitude <= 90:
            raise bad("wrong latitude")
        if not isinstance(longitude, int | float) or not -180 <= longitude <= 180:
            raise bad("wrong longitude")
        location = {"latitude": float(latitude), "longitude": float(longitude)}
        for key in ("horizontal_accuracy", "live_period", "heading"):
            if params.get(key) is not None:
                location[key] = params[key]
        return location

    def _api_send_location(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        return self._new_message(params, {"location": self._location(params)}, chat_id)

    def _api_send_venue(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        location = self._location(params)
        if not params.get("title") or not params.get("address"):
            raise bad("venue title or address is empty")
        venue = {"location": location, "title": str(params["title"]),
                 "address": str(params["address"])}
        return self._new_message(params, {"venue": venue, "location": location}, chat_id)

    def _api_send_contact(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        if not params.get("phone_number") or not params.get("first_name"):
            raise bad("phone number or first name is empty")
        contact = {"phone_number": str(params["phone_number"]),
                   "first_name": str(params["first_name"])}
        if params.get("last_name"):
            contact["last_name"] = str(params["last_name"])
        return self._new_message(params, {"contact": contact}, chat_id)

    def _api_send_media_group(self, params: dict, files: dict) -> list[dict]:
        chat_id = self._chat(params)
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad("wrong number of media items: must be between 2 and 10")
        accepted = {"photo": ("photo",), "video": ("video",), "audio": ("audio",),
                    "document": ("document", "animation", "audio", "video")}
        contents = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in accepted:
                raise bad("can't parse InputMedia: unsupported media type")
            kind = item["type"]
            content = self._caption(item, {})
            stored = self._input_file(item.get("media") or "", files, "media", kind,
                                      accepted[kind])
            contents.append({**self._media_content(stored, kind), **content})
        self._reply_to(chat_id, params)
        group_id = str(13000000000000000 + next(self._counter))
        return [self._new_message({k: v for k, v in params.items() if k != "reply_markup"},
                                  {**content, "media_group_id": group_id}, chat_id)
                for content in contents]

    def _api_send_chat_action(self, params: dict, files: dict) -> bool:
        self._chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        return True

    def _api_forward_message(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        source = self._find(params.get("from_chat_id"), params.get("message_id"))
        if source is None:
            raise bad("message to forward not found")
        content = {k: copy.deepcopy(v) for k, v in source.items()
                   if k not in ("message_id", "from", "chat", "date", "reply_markup",
                                "reply_to_message", "edit_date")}
        content["forward_origin"] = {"type": "user", "date": source["date"],
                                     "sender_user": copy.deepcopy(source.get("from"))}
        return self._new_message({"chat_id": chat_id}, content, chat_id)

    def _api_copy_message(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        source = self._find(params.get("from_chat_id"), params.get("message_id"))
        if source is None:
            raise bad("message to copy not found")
        content = {k: copy.deepcopy(v) for k, v in source.items()
                   if k not in ("message_id", "from", "chat", "date", "reply_markup",
                                "reply_to_message", "edit_date", "forward_origin")}
        if "caption" in params:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            self._caption(params, content)
        message = self._new_message(params, content, chat_id)
        return {"message_id": message["message_id"]}

    # editing ---------------------------------------------------------------
    def _editable(self, params: dict) -> dict | None:
        """The stored message an edit targets; None for inline messages."""
        if params.get("inline_message_id"):
            return None
        chat_id = self._chat(params)
        if params.get("message_id") is None:
            raise bad("message identifier is not specified")
        message = self._messages.get(chat_id, {}).get(params.get("message_id"))
        if message is None:
            if self._user_messages.get(chat_id, {}).get(params.get("message_id")):
                raise bad("message can't be edited")
            raise bad("message to edit not found")
        return message

    def _apply_edit(self, message: dict, changes: dict, markup: dict | None,
                    keys: tuple[str, ...]) -> dict:
        before = ({k: message.get(k) for k in keys}, message.get("reply_markup"))
        after = ({k: changes.get(k) for k in keys}, markup)
        if before == after:
            raise bad(NOT_MODIFIED[len("Bad Request: "):])
        for key in keys:
            message.pop(key, None)
        message.update({k: v for k, v in changes.items() if v is not None})
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(self.now())
        return copy.deepcopy(message)

    def _api_edit_message_text(self, params: dict, files: dict) -> dict | bool:
        message = self._editable(params)
        text, entities = self._text(params)
        markup = self._markup(params, params.get("chat_id"), inline_only=True)
        if message is None:
            return True
        if "text" not in message:
            raise bad("there is no text in the message to edit")
        return self._apply_edit(message, {"text": text, "entities": entities or None}, markup,
                                ("text", "entities"))

    def _api_edit_message_caption(self, params: dict, files: dict) -> dict | bool:
        message = self._editable(params)
        changes = self._caption(params, {})
        markup = self._markup(params, params.get("chat_id"), inline_only=True)
        if message is None:
            return True
        if not any(key in message for key in CAPTIONABLE):
            raise bad("there is no caption in the message to edit")
        return self._apply_edit(message, changes, markup, ("caption", "caption_entities"))

    def _api_edit_message_reply_markup(self, params: dict, files: dict) -> dict | bool:
        message = self._editable(params)
        markup = self._markup(params, params.get("chat_id"), inline_only=True)
        if message is None:
            return True
        return self._apply_edit(message, {}, markup, ())

    def _api_edit_message_media(self, params: dict, files: dict) -> dict | bool:
        message = self._editable(params)
        media = params.get("media")
        if not isinstance(media, dict) or media.get("type") not in (
                "photo", "document", "video", "animation", "audio"):
            raise bad("can't parse InputMedia")
        markup = self._markup(params, params.get("chat_id"), inline_only=True)
        if message is None:
            return True
        if not any(key in message for key in MEDIA_KEYS):
            raise bad("there is no media in the message to edit")
        kind = media["type"]
        stored = self._input_file(media.get("media") or "", files, "media", kind,
                                  (kind,) if kind != "document" else ("document", "animation"))
        changes = {**self._media_content(stored, kind), **self._caption(media, {})}
        return self._apply_edit(message, changes, markup, (*MEDIA_KEYS, "caption",
                                                           "caption_entities"))

    def _api_delete_message(self, params: dict, files: dict) -> bool:
        chat_id = self._chat(params, send=False)
        message_id = params.get("message_id")
        found = self._messages.get(chat_id, {}).get(message_id)
        if found is not None and self.now() - found["date"] > 48 * 3600:  # as Telegram
            raise bad("message can't be deleted")
        for store in (self._messages, self._user_messages):
            if store.get(chat_id, {}).pop(message_id, None) is not None:
                self.deleted.append((chat_id, message_id))
                return True
        raise bad("message to delete not found")

    def _api_delete_messages(self, params: dict, files: dict) -> bool:
        chat_id = self._chat(params, send=False)
        for message_id in params.get("message_ids") or []:
            for store in (self._messages, self._user_messages):
                if store.get(chat_id, {}).pop(message_id, None) is not None:
                    self.deleted.append((chat_id, message_id))
        return True
