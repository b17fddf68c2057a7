"""Telegram's answers, as the Bot API documents them, turned into the engine's outcomes."""

from __future__ import annotations

import json

import pytest

from bot.channels.telegram.sender import answer_outcome
from bot.delivery.outcomes import Outcome, Result


def answer(status: int, **body: object) -> Outcome:
    return answer_outcome(status, json.dumps(body).encode())


def test_a_sent_message_gives_its_id() -> None:
    assert answer(200, ok=True, result={"message_id": 7}) == Outcome(Result.SENT, message_id=7)
    assert answer(200, ok=True, result=True) == Outcome(Result.SENT)  # an edit may say True


@pytest.mark.parametrize("body", [
    b'{"ok":true,"result":{"message_id":41,"from":{"id":1},"chat":{"id":2},"text":"x"}}',
    b'{"ok": true, "result": {"message_id": 41, "chat": {"id": 2}}}',
    b'{"ok":true,"result":{"chat":{"id":2},"message_id":41}}',  # another order: parsed
    b'{"ok":true,"result":{"message_id":41}}',
])
def test_the_id_is_read_from_the_start_or_else_parsed(body: bytes) -> None:
    assert answer_outcome(200, body) == Outcome(Result.SENT, message_id=41)


def test_only_a_success_is_read_from_the_start() -> None:
    assert answer_outcome(200, b'{"ok":true,"result":true}') == Outcome(Result.SENT)
    assert answer_outcome(500, b'{"ok":true,"result":{"message_id":41}}').result \
        is Result.TRANSIENT
    refused = answer_outcome(400, b'{"ok":false,"error_code":400,"description":"Bad Request: '
                                  b'message is not modified"}')
    assert refused == Outcome(Result.BAD_REQUEST, "Message is not modified")


@pytest.mark.parametrize(("status", "description", "parameters", "expected"), [
    (429, "Too Many Requests: retry after 3", {"retry_after": 3},
     Outcome(Result.RETRY_AFTER, "Too Many Requests: retry after 3", 3.0)),
    (429, "Too Many Requests", None, Outcome(Result.RETRY_AFTER, "Too Many Requests", 1.0)),
    (403, "Forbidden: bot was blocked by the user", None,
     Outcome(Result.BLOCKED, "Forbidden: bot was blocked by the user")),
    (400, "Bad Request: chat not found", None, Outcome(Result.BAD_REQUEST, "Chat not found")),
    (400, "Bad Request: group chat was upgraded", {"migrate_to_chat_id": -100},
     Outcome(Result.BAD_REQUEST, "Group chat was upgraded")),
    (401, "Unauthorized", None, Outcome(Result.BAD_REQUEST, "Unauthorized")),
    (502, "Bad Gateway", None, Outcome(Result.TRANSIENT, "Bad Gateway")),
    (504, "Gateway Timeout", None, Outcome(Result.TRANSIENT, "Gateway Timeout")),
])
def test_refusals_and_faults(status: int, description: str, parameters: object,
                             expected: Outcome) -> None:
    body: dict[str, object] = {"ok": False, "error_code": status, "description": description}
    if parameters is not None:
        body["parameters"] = parameters
    assert answer(status, **body) == expected


def test_an_answer_that_is_not_json_is_a_transient_fault() -> None:
    outcome = answer_outcome(502, b"<html>Bad Gateway</html>")
    assert outcome.result is Result.TRANSIENT and "HTTP 502" in outcome.detail
