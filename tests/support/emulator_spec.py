"""The parameters each Bot API method takes (core.telegram.org/bots/api, Bot API 9.x).

Telegram ignores a parameter a method does not take, so a bot passing ``parse_mode`` to
``editMessageReplyMarkup`` gets no error and no effect; the emulator records such calls so the
test can fail. Parameters the server still accepts after the docs replaced them
(``reply_to_message_id``, ``allow_sending_without_reply``, ``disable_web_page_preview``) are
listed too.
"""

from __future__ import annotations

_SEND = ("chat_id", "business_connection_id", "message_thread_id", "direct_messages_topic_id",
         "disable_notification", "protect_content", "allow_paid_broadcast", "message_effect_id",
         "suggested_post_parameters", "reply_parameters", "reply_markup",
         "reply_to_message_id", "allow_sending_without_reply")
_CAPTION = ("caption", "parse_mode", "caption_entities", "show_caption_above_media")
_EDIT = ("business_connection_id", "chat_id", "message_id", "inline_message_id",
         "reply_markup")
_SCOPE = ("scope", "language_code")

ACCEPTED: dict[str, frozenset[str]] = {name: frozenset(params) for name, params in {
    "getMe": (), "logOut": (), "close": (), "getWebhookInfo": (),
    "deleteWebhook": ("drop_pending_updates",),
    "setWebhook": ("url", "certificate", "ip_address", "max_connections", "allowed_updates",
                   "drop_pending_updates", "secret_token"),
    "getUpdates": ("offset", "limit", "timeout", "allowed_updates"),
    "setMyCommands": ("commands", *_SCOPE), "getMyCommands": _SCOPE,
    "deleteMyCommands": _SCOPE,
    "setMyDescription": ("description", "language_code"),
    "getMyDescription": ("language_code",),
    "setMyShortDescription": ("short_description", "language_code"),
    "getMyShortDescription": ("language_code",),
    "setMyName": ("name", "language_code"), "getMyName": ("language_code",),
    "setChatMenuButton": ("chat_id", "menu_button"), "getChatMenuButton": ("chat_id",),
    "sendMessage": (*_SEND, "text", "parse_mode", "entities", "link_preview_options",
                    "disable_web_page_preview"),
    "sendPhoto": (*_SEND, "photo", *_CAPTION, "has_spoiler"),
    "sendDocument": (*_SEND, "document", "thumbnail", *_CAPTION[:3],
                     "disable_content_type_detection"),
    "sendLocation": (*_SEND, "latitude", "longitude", "horizontal_accuracy", "live_period",
                     "heading", "proximity_alert_radius"),
    "sendVenue": (*_SEND, "latitude", "longitude", "title", "address", "foursquare_id",
                  "foursquare_type", "google_place_id", "google_place_type"),
    "sendContact": (*_SEND, "phone_number", "first_name", "last_name", "vcard"),
    "sendMediaGroup": (*(p for p in _SEND if p not in ("reply_markup",
                                                       "suggested_post_parameters")),
                       "media"),
    "sendChatAction": ("business_connection_id", "chat_id", "message_thread_id", "action"),
    "forwardMessage": ("chat_id", "message_thread_id", "direct_messages_topic_id",
                       "from_chat_id", "video_start_timestamp", "disable_notification",
                       "protect_content", "message_effect_id", "suggested_post_parameters",
                       "message_id"),
    "copyMessage": (*_SEND, "from_chat_id", "message_id", "video_start_timestamp",
                    *_CAPTION),
    "editMessageText": (*_EDIT, "text", "parse_mode", "entities", "link_preview_options",
                        "disable_web_page_preview"),
    "editMessageCaption": (*_EDIT, *_CAPTION),
    "editMessageMedia": (*_EDIT, "media"),
    "editMessageReplyMarkup": _EDIT,
    "deleteMessage": ("chat_id", "message_id"),
    "deleteMessages": ("chat_id", "message_ids"),
    "answerCallbackQuery": ("callback_query_id", "text", "show_alert", "url", "cache_time"),
    "getFile": ("file_id",),
    "getChat": ("chat_id",),
    "getChatMember": ("chat_id", "user_id"),
    "getChatAdministrators": ("chat_id",),
    "pinChatMessage": ("business_connection_id", "chat_id", "message_id",
                       "disable_notification"),
    "unpinChatMessage": ("business_connection_id", "chat_id", "message_id"),
    "leaveChat": ("chat_id",),
}.items()}

# Methods that put or change a message in a chat: the ones Telegram's flood control counts.
FLOOD_COUNTED = frozenset(name for name in ACCEPTED
                          if name.startswith(("send", "edit")) and name != "sendChatAction"
                          ) | {"copyMessage", "forwardMessage"}


# PTB's ``Bot._send_message`` puts the ``Defaults`` parse_mode into every call it makes, also
# for these methods that have no text; Telegram ignores it. That is the library's doing, not the
# bot's, so it is kept apart (``emu.library_extras``) and does not fail a test.
PTB_SEND_MESSAGE_EXTRAS: dict[str, frozenset[str]] = {
    name: frozenset({"parse_mode"})
    for name in ("sendLocation", "sendVenue", "sendContact", "editMessageReplyMarkup",
                 "editMessageMedia")}
# The same for a ``Defaults`` protect_content, which it puts into the edits it sends that way.
for _name in ("editMessageText", "editMessageCaption", "editMessageReplyMarkup",
              "editMessageMedia", "editMessageLiveLocation", "stopMessageLiveLocation"):
    PTB_SEND_MESSAGE_EXTRAS[_name] = PTB_SEND_MESSAGE_EXTRAS.get(
        _name, frozenset()) | {"protect_content"}


def unsupported(method: str, params: dict) -> tuple[list[str], list[str]]:
    """``(unsupported, added_by_ptb)``: parameters of this call that ``method`` does not take,
    sorted, the second list holding those PTB itself adds."""
    accepted = ACCEPTED.get(method)
    if accepted is None:
        return [], []
    extra = sorted(set(params) - accepted)
    library = PTB_SEND_MESSAGE_EXTRAS.get(method, frozenset())
    return [p for p in extra if p not in library], [p for p in extra if p in library]
