"""The Bot API methods the fake implements (sendMessage, editMessageText, answerCallbackQuery,
setMyCommands...) on the chats it keeps."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.telegram_model import (
    BOT_FIRST_NAME,
    BOT_ID,
    BOT_USERNAME,
    COMMAND_RE,
    LOOPBACK_HOSTS,
    MESSAGE_NOT_MODIFIED,
    MESSAGE_TO_EDIT_NOT_FOUND,
    QUERY_TOO_OLD,
    SECRET_RE,
    WEBHOOK_PORTS,
    ApiError,
    ChatState,
    JSONDict,
    StoredMessage,
    Upload,
    Webhook,
    bad_request,
    check_inline_markup,
    file_bytes,
    render_text,
    utf16_len,
)


class BotApiMethods:
    """The fake's method handlers; FakeBotApi adds the HTTP server, updates and faults."""

    _chats: dict[int, ChatState]
    _commands: dict[tuple[str, str], list[JSONDict]]
    _open_queries: set[str]
    _ids: itertools.count[int]
    _touch: itertools.count[int]
    _pending: list[JSONDict]
    _allowed_updates: list[str]
    _webhook: Webhook | None
    _ok_description: str
    _notify: Callable[[], None]
    _kick_webhook: Callable[[], None]

    # ------------------------------------------------------------------ state

    def _chat(self, chat_id: int) -> ChatState:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = ChatState(chat_id)
        return chat

    @staticmethod
    def _bot_user() -> JSONDict:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope_dict = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps(scope_dict, sort_keys=True), str(language_code or "")

    # ------------------------------------------------------------------ internals: methods

    def _chat_for(self, params: dict[str, Any]) -> ChatState:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise bad_request("chat not found")
        return self._chat(chat_id)

    def _stored_for_edit(self, params: dict[str, Any]) -> tuple[ChatState, StoredMessage]:
        chat = self._chat_for(params)
        message_id = params.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        stored = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if stored is None:
            raise ApiError(400, MESSAGE_TO_EDIT_NOT_FOUND)
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        return chat, stored

    @staticmethod
    def _text_param(params: dict[str, Any], name: str, limit: int) -> tuple[str, str]:
        raw = params.get(name)
        text = "" if raw is None else str(raw)
        rendered = render_text(text, params.get("parse_mode"))
        if name == "text" and not rendered.strip():
            raise bad_request("message text is empty")
        if utf16_len(rendered) > limit:
            raise bad_request("message is too long" if name == "text"
                              else "message caption is too long")
        return text, rendered

    def _new_bot_message(
        self, chat: ChatState, params: dict[str, Any], content: JSONDict, raw_text: str | None
    ) -> JSONDict:
        markup_param = params.get("reply_markup")
        markup = check_inline_markup(markup_param)
        if isinstance(markup_param, dict):
            if "keyboard" in markup_param:
                chat.reply_keyboard = markup_param
            elif markup_param.get("remove_keyboard"):
                chat.reply_keyboard = None
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message: JSONDict = {
            "message_id": message_id,
            "from": self._bot_user(),
            "chat": chat.as_dict(),
            "date": int(time.time()),
            **content,
        }
        if markup is not None:
            message["reply_markup"] = markup
        chat.messages[message_id] = StoredMessage(
            data=message,
            from_bot=True,
            raw_text=raw_text,
            markup=markup,
            touched=next(self._touch),
        )
        return message

    def _api_get_me(self, params: dict[str, Any]) -> JSONDict:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_log_out(self, params: dict[str, Any]) -> bool:
        return True

    def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    @staticmethod
    def _check_webhook_url(url: str) -> None:
        """Telegram's checks of a webhook URL, but http:// and any port are accepted on
        loopback hosts (127.0.0.1, localhost) for tests."""
        unresolved = bad_request("bad webhook: Failed to resolve host: Name or service not known")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as err:
            raise unresolved from err
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or not host:
            raise unresolved
        if host in LOOPBACK_HOSTS:
            return
        if parts.scheme != "https":
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if port is not None and port not in WEBHOOK_PORTS:
            raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or "
                              "8443")

    def _api_set_webhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url")
        url = "" if url is None else str(url)
        if not url:  # an empty url removes the webhook, as on Telegram
            return self._api_delete_webhook(params)
        self._check_webhook_url(url)
        secret = params.get("secret_token")
        if secret is not None and not (isinstance(secret, str) and SECRET_RE.match(secret)):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        allowed_list = [str(kind) for kind in allowed] if isinstance(allowed, list) else None
        max_connections = params.get("max_connections", 40)
        if not isinstance(max_connections, int) or not 1 <= max_connections <= 100:
            max_connections = 40
        old = self._webhook
        same = old is not None and (old.url, old.secret) == (url, secret)
        webhook = Webhook(url, secret, allowed_list, max_connections)
        if old is not None and old.url == url:  # the error history of the same URL is kept
            webhook.last_error_date = old.last_error_date
            webhook.last_error_message = old.last_error_message
        if allowed_list is not None:
            self._allowed_updates = allowed_list
        if params.get("drop_pending_updates") is True:
            self._pending.clear()
        self._webhook = webhook
        self._ok_description = "Webhook is already set" if same else "Webhook was set"
        self._notify()  # a pending long poll ends with 409 Conflict
        self._kick_webhook()  # updates queued before are delivered now
        return True

    def _api_delete_webhook(self, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates") is True:
            self._pending.clear()
        was_set, self._webhook = self._webhook is not None, None
        self._ok_description = "Webhook was deleted" if was_set else "Webhook is already deleted"
        return True

    def _api_get_webhook_info(self, params: dict[str, Any]) -> JSONDict:
        webhook = self._webhook
        info: JSONDict = {
            "url": "" if webhook is None else webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if webhook is None:
            return info
        info["ip_address"] = "127.0.0.1"
        if webhook.last_error_date is not None:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
        info["max_connections"] = webhook.max_connections
        if webhook.allowed_updates is not None:
            info["allowed_updates"] = list(webhook.allowed_updates)
        return info

    def _api_send_message(self, params: dict[str, Any]) -> JSONDict:
        chat = self._chat_for(params)
        text, rendered = self._text_param(params, "text", 4096)
        return self._new_bot_message(chat, params, {"text": rendered}, text)

    def _media_content(self, params: dict[str, Any], kind: str) -> JSONDict:
        value = params.get(kind)
        if value is None or value == "":
            raise bad_request(f"there is no {kind} in the request")
        n = next(self._ids)
        if isinstance(value, Upload):
            name, size, mime = value.filename, value.size, value.content_type
        else:  # a file_id or URL
            name, size, mime = str(value).rsplit("/", 1)[-1], 1024, "application/octet-stream"
        if kind == "photo":
            return {
                "photo": [
                    {
                        "file_id": f"AgACAgIAAxkDAAFakeSentPhoto{n}_{w}",
                        "file_unique_id": f"AQADSentPhoto{n}_{w}",
                        "width": w,
                        "height": h,
                        "file_size": min(size, w * h),
                    }
                    for w, h in ((90, 68), (800, 600))
                ]
            }
        return {
            "document": {
                "file_id": f"BQACAgIAAxkDAAFakeSentDoc{n}",
                "file_unique_id": f"AgADSentDoc{n}",
                "file_name": name,
                "mime_type": mime,
                "file_size": size,
            }
        }

    def _send_media(self, params: dict[str, Any], kind: str) -> JSONDict:
        chat = self._chat_for(params)
        content = self._media_content(params, kind)
        caption: str | None = None
        if params.get("caption") is not None:
            caption, rendered = self._text_param(params, "caption", 1024)
            content["caption"] = rendered
        return self._new_bot_message(chat, params, content, caption)

    def _api_send_photo(self, params: dict[str, Any]) -> JSONDict:
        return self._send_media(params, "photo")

    def _api_send_document(self, params: dict[str, Any]) -> JSONDict:
        return self._send_media(params, "document")

    def _api_get_file(self, params: dict[str, Any]) -> JSONDict:
        file_id = str(params.get("file_id") or "")
        if not file_id:
            raise bad_request("file_id is empty")
        path = f"photos/{file_id}.jpg"
        return {"file_id": file_id, "file_unique_id": f"U{file_id[-12:]}",
                "file_size": len(file_bytes(path)), "file_path": path}

    def _api_send_chat_action(self, params: dict[str, Any]) -> bool:
        self._chat_for(params)
        if not params.get("action"):
            raise bad_request("action is empty")
        return True

    def _apply_edit(
        self, stored: StoredMessage, params: dict[str, Any], field_name: str | None
    ) -> JSONDict | bool:
        """Apply an edit of text/caption (field_name) and/or markup, with Telegram's checks."""
        markup = check_inline_markup(params.get("reply_markup"))
        raw_text = stored.raw_text
        rendered: str | None = None
        if field_name is not None:
            limit = 4096 if field_name == "text" else 1024
            raw_text, rendered = self._text_param(params, field_name, limit)
        if (raw_text or "") == (stored.raw_text or "") and markup == stored.markup:
            raise ApiError(400, MESSAGE_NOT_MODIFIED)
        data = stored.data
        if field_name is not None and rendered is not None:
            if field_name == "caption" and not rendered:
                data.pop("caption", None)
            else:
                data[field_name] = rendered
        stored.raw_text = raw_text
        stored.markup = markup
        if markup is None:
            data.pop("reply_markup", None)
        else:
            data["reply_markup"] = markup
        data["edit_date"] = int(time.time())
        stored.touched = next(self._touch)
        return json.loads(json.dumps(data))  # type: ignore[no-any-return]

    def _edit(self, params: dict[str, Any], part: str | None) -> JSONDict | bool:
        """Edit the text, the caption or (None) only the keyboard of a kept message."""
        if params.get("inline_message_id") and params.get("chat_id") is None:
            return True
        _, stored = self._stored_for_edit(params)
        if part == "text" and "text" not in stored.data:
            raise bad_request("there is no text in the message to edit")
        if part == "caption" and "text" in stored.data:
            raise bad_request("there is no caption in the message to edit")
        return self._apply_edit(stored, params, part)

    def _api_edit_message_text(self, params: dict[str, Any]) -> JSONDict | bool:
        return self._edit(params, "text")

    def _api_edit_message_caption(self, params: dict[str, Any]) -> JSONDict | bool:
        return self._edit(params, "caption")

    def _api_edit_message_reply_markup(self, params: dict[str, Any]) -> JSONDict | bool:
        return self._edit(params, None)

    def _api_delete_message(self, params: dict[str, Any]) -> bool:
        chat = self._chat_for(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int) or chat.messages.pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        return True

    def _api_leave_chat(self, params: dict[str, Any]) -> bool:
        chat = self._chat_for(params)
        if chat.id > 0:
            raise bad_request("chat member status can't be changed in private chats")
        return True

    def _api_answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._open_queries:
            raise ApiError(400, QUERY_TOO_OLD)
        self._open_queries.discard(query_id)
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        return True

    def _api_set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not COMMAND_RE.match(
                str(command.get("command", ""))
            ):
                raise bad_request("BOT_COMMAND_INVALID")
            description = str(command.get("description", ""))
            if not 1 <= len(description.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        if commands:
            self._commands[key] = [dict(c) for c in commands]
        else:
            self._commands.pop(key, None)
        return True

    def _api_get_my_commands(self, params: dict[str, Any]) -> list[JSONDict]:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        return [dict(c) for c in self._commands.get(key, [])]

    def _api_delete_my_commands(self, params: dict[str, Any]) -> bool:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        self._commands.pop(key, None)
        return True
