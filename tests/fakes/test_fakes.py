"""Tests of the fake Bot API server, driven by a real python-telegram-bot ``Bot``."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.channels.telegram.request import BotApiRequest
from tests.fakes.telegram import (
    BOT_ID,
    MESSAGE_NOT_MODIFIED,
    OUTGOING,
    SECRET_HEADER,
    TOKEN,
    WEBHOOK_CONFLICT,
    Call,
    FakeBotApi,
    Upload,
)

USER = 1001


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A started fake server."""
    async with FakeBotApi() as fake:
        yield fake


@pytest_asyncio.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    """A real PTB Bot talking to the fake."""
    async with Bot(TOKEN, base_url=api.base_url) as real_bot:
        yield real_bot


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    """One button per row."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d)] for t, d in pairs])


@pytest.mark.asyncio
async def test_get_me(api: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == BOT_ID
    assert me.is_bot
    assert me.username == "fake_bot"
    assert me.can_join_groups is True
    assert bot.username == "fake_bot"
    assert [c.method for c in api.calls] == ["getMe", "getMe"]  # initialize() + get_me()


@pytest.mark.asyncio
async def test_send_message_with_keyboard_and_buttons(api: FakeBotApi, bot: Bot) -> None:
    msg = await bot.send_message(
        USER, "Chọn bài học", reply_markup=keyboard(("Bài 1", "lesson:1"), ("Bài 2", "lesson:2"))
    )
    assert isinstance(msg, Message)
    assert msg.text == "Chọn bài học"
    assert msg.chat.id == USER
    assert msg.from_user is not None and msg.from_user.id == BOT_ID
    assert msg.reply_markup is not None
    assert msg.reply_markup.inline_keyboard[1][0].callback_data == "lesson:2"
    assert api.buttons(USER) == [("Bài 1", "lesson:1"), ("Bài 2", "lesson:2")]
    assert api.texts_to(USER) == ["Chọn bài học"]
    call = api.sent_to(USER)[0]
    assert call.params["chat_id"] == USER  # decoded from the form string
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Bài 1"
    markup = api.last_markup(USER)
    assert markup is not None and markup[0][0]["callback_data"] == "lesson:1"

    second = await bot.send_message(USER, "no keyboard")
    assert second.message_id == msg.message_id + 1
    assert api.last_markup(USER) is None  # the latest message has no keyboard ...
    assert api.buttons(USER)[0] == ("Bài 1", "lesson:1")  # ... but an older one has


@pytest.mark.asyncio
async def test_edit_message_text_and_not_modified(api: FakeBotApi, bot: Bot) -> None:
    msg = await bot.send_message(USER, "v1", reply_markup=keyboard(("A", "a")))
    edited = await bot.edit_message_text(
        "v2", chat_id=USER, message_id=msg.message_id, reply_markup=keyboard(("B", "b"))
    )
    assert isinstance(edited, Message)
    assert edited.text == "v2"
    assert edited.edit_date is not None
    assert api.buttons(USER) == [("B", "b")]
    assert api.texts_to(USER) == ["v1", "v2"]

    with pytest.raises(BadRequest, match=r"(?i)message is not modified") as info:
        await bot.edit_message_text(
            "v2", chat_id=USER, message_id=msg.message_id, reply_markup=keyboard(("B", "b"))
        )
    # PTB strips "Bad Request: " and str.capitalize()s the rest of the description.
    assert info.value.message == MESSAGE_NOT_MODIFIED.removeprefix("Bad Request: ").capitalize()
    assert api.calls[-1].status == 400

    # Same text without reply_markup removes the keyboard: that *is* a modification.
    await bot.edit_message_text("v2", chat_id=USER, message_id=msg.message_id)
    assert api.buttons(USER) == []

    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=999)


@pytest.mark.asyncio
async def test_edit_reply_markup_and_delete(api: FakeBotApi, bot: Bot) -> None:
    msg = await bot.send_message(USER, "menu", reply_markup=keyboard(("A", "a")))
    await bot.edit_message_reply_markup(USER, msg.message_id, reply_markup=keyboard(("C", "c")))
    assert api.buttons(USER) == [("C", "c")]
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_reply_markup(USER, msg.message_id, reply_markup=keyboard(("C", "c")))
    assert await bot.delete_message(USER, msg.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(USER, msg.message_id)


@pytest.mark.asyncio
async def test_reply_keyboard_is_not_echoed(api: FakeBotApi, bot: Bot) -> None:
    markup = ReplyKeyboardMarkup([[KeyboardButton("Có"), KeyboardButton("Không")]])
    msg = await bot.send_message(USER, "Đồng ý?", reply_markup=markup)
    assert msg.reply_markup is None  # Telegram only echoes inline keyboards
    assert api.reply_keyboard(USER) == [["Có", "Không"]]


@pytest.mark.asyncio
async def test_get_updates_long_poll_text_and_callback(api: FakeBotApi, bot: Bot) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_calls("getUpdates", 1)
    text_id = api.send_text(USER, "/start ref", first_name="Bình")
    updates = await poll
    assert time.monotonic() - started < 3  # woke up early, no busy waiting until timeout
    assert [u.update_id for u in updates] == [text_id]
    update = updates[0]
    assert isinstance(update, Update)
    assert update.message is not None
    assert update.message.text == "/start ref"
    assert update.message.parse_entities() == {update.message.entities[0]: "/start"}
    assert update.effective_user is not None
    assert update.effective_user.first_name == "Bình"
    assert update.effective_user.language_code == "vi"

    sent = await bot.send_message(USER, "menu", reply_markup=keyboard(("Go", "go")))
    press_id = api.press(USER, "go")
    updates = await bot.get_updates(offset=text_id + 1, timeout=5)
    assert [u.update_id for u in updates] == [press_id]
    query = updates[0].callback_query
    assert query is not None
    assert query.data == "go"
    assert query.from_user.id == USER
    assert isinstance(query.message, Message)
    assert query.message.message_id == sent.message_id
    assert await query.answer("ok")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer("twice")


@pytest.mark.asyncio
async def test_offsets_confirm_updates(api: FakeBotApi, bot: Bot) -> None:
    first = api.send_text(USER, "một")
    second = api.send_sticker(USER)
    third = api.send_photo(USER, caption="ảnh")
    fourth = api.send_voice(USER)

    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first, second, third, fourth]
    assert updates[1].message is not None and updates[1].message.sticker is not None
    assert updates[2].message is not None and updates[2].message.photo
    assert updates[2].message.caption == "ảnh"
    assert updates[3].message is not None and updates[3].message.voice is not None

    # Not confirmed yet: a restarted bot (e.g. after kill -9) gets them again.
    again = await bot.get_updates(timeout=0, limit=2)
    assert [u.update_id for u in again] == [first, second]
    assert api.deliveries[first] == 2

    rest = await bot.get_updates(offset=second + 1, timeout=0)
    assert [u.update_id for u in rest] == [third, fourth]
    assert api.unconfirmed == [third, fourth]

    assert await bot.get_updates(offset=fourth + 1, timeout=0) == ()
    assert api.unconfirmed == []
    message_ids = [m["message_id"] for m in api.messages(USER)]
    assert message_ids == [1, 2, 3, 4]


@pytest.mark.asyncio
async def test_long_poll_times_out_empty(api: FakeBotApi, bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 3


@pytest.mark.asyncio
async def test_second_poll_terminates_first_with_conflict(api: FakeBotApi, bot: Bot) -> None:
    # One Bot can't poll twice concurrently (its getUpdates pool has a single connection).
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_calls("getUpdates", 1)
    async with Bot(TOKEN, base_url=api.base_url) as other:
        second = asyncio.create_task(other.get_updates(timeout=5))
        with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates"):
            await first
        update_id = api.send_text(USER, "hi")
        assert [u.update_id for u in await second] == [update_id]


@pytest.mark.asyncio
# PTB 22's own RetryAfter.__init__ warns unless PTB_TIMEDELTA=1 is set.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_fail_next_retry_after(api: FakeBotApi, bot: Bot) -> None:
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "spam")
    assert "retry in 3 seconds" in str(info.value).lower()  # .retry_after warns in PTB 22
    assert api.sent_to(USER) == []  # failed calls are in api.calls only
    assert api.calls[-1].status == 429
    await bot.send_message(USER, "ok now")
    assert api.texts_to(USER) == ["ok now"]

    api.fail_next("sendmessage", 500, "Internal Server Error", count=2)
    for _ in range(2):
        with pytest.raises(Exception, match=r"(?i)Internal Server Error"):
            await bot.send_message(USER, "boom")
    await bot.send_message(USER, "recovered")


@pytest.mark.asyncio
async def test_blocked_chat_forbidden(api: FakeBotApi, bot: Bot) -> None:
    api.block_chat(USER)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(USER, "hello")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(USER, ChatAction.TYPING)
    await bot.send_message(USER + 1, "others still work")
    api.unblock_chat(USER)
    await bot.send_message(USER, "hello again")


@pytest.mark.asyncio
async def test_uploads(api: FakeBotApi, bot: Bot) -> None:
    payload = b"name,visits\nAn,3\n"
    doc = await bot.send_document(
        USER, InputFile(payload, filename="report.csv"), caption="Báo cáo"
    )
    assert doc.document is not None
    assert doc.document.file_name == "report.csv"
    assert doc.document.file_size == len(payload)
    assert doc.caption == "Báo cáo"
    upload = api.sent_to(USER)[0].params["document"]
    assert isinstance(upload, Upload)
    assert (upload.filename, upload.size, upload.data) == ("report.csv", len(payload), payload)

    photo = await bot.send_photo(USER, b"\x89PNG fake bytes", reply_markup=keyboard(("Ok", "ok")))
    assert photo.photo and photo.photo[-1].width == 800
    assert api.buttons(USER) == [("Ok", "ok")]
    assert [c.method for c in api.sent_to(USER)] == ["sendDocument", "sendPhoto"]
    with pytest.raises(BadRequest, match=r"(?i)no text in the message"):
        await bot.edit_message_text("x", chat_id=USER, message_id=photo.message_id)


@pytest.mark.asyncio
async def test_commands_per_language(api: FakeBotApi, bot: Bot) -> None:
    assert await bot.set_my_commands([BotCommand("start", "Bắt đầu")], language_code="vi")
    assert await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    assert await bot.set_my_commands(
        [BotCommand("admin", "Admin")], scope=BotCommandScopeChat(USER)
    )
    assert api.my_commands("vi") == [("start", "Bắt đầu")]
    assert api.my_commands() == [("start", "Start"), ("help", "Help")]
    assert api.my_commands(scope={"type": "chat", "chat_id": USER}) == [("admin", "Admin")]
    vi = await bot.get_my_commands(language_code="vi")
    assert [(c.command, c.description) for c in vi] == [("start", "Bắt đầu")]
    assert await bot.delete_my_commands(language_code="vi")
    assert await bot.get_my_commands(language_code="vi") == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad-Command", "x")])


@pytest.mark.asyncio
async def test_html_is_rendered_and_validated(api: FakeBotApi, bot: Bot) -> None:
    msg = await bot.send_message(USER, "<b>Xin chào</b> &amp; chúc", parse_mode=ParseMode.HTML)
    assert msg.text == "Xin chào & chúc"
    assert api.texts_to(USER) == ["<b>Xin chào</b> &amp; chúc"]  # raw as sent
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(USER, "a <b>b", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)Unsupported start tag"):
        await bot.send_message(USER, "1 < 2 <div>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "x", reply_markup=keyboard(("long", "d" * 65)))


@pytest.mark.asyncio
async def test_wait_text_only_counts_calls_after_injection(api: FakeBotApi, bot: Bot) -> None:
    await bot.send_message(USER, "Xin chào cũ")
    api.send_text(USER, "/start")

    async def reply_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(USER, "Xin chào mới")

    task = asyncio.create_task(reply_later())
    call = await api.wait_text(USER, "Xin chào")
    await task
    assert isinstance(call, Call)
    assert call.text == "Xin chào mới"
    with pytest.raises(AssertionError, match="Xin chào cũ"):  # message lists recent calls
        await api.wait_text(USER, "never", timeout=0.1)


@pytest.mark.asyncio
async def test_raw_http_errors(api: FakeBotApi) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{api.base_url}not-a-token/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with session.post(f"{api.base_url}{TOKEN}/fooBar") as resp:
            assert resp.status == 404
            body = await resp.json()
            assert body["description"] == "Not Found: method not found"
        async with session.get(f"{api.base_url}{TOKEN}/GETME") as resp:  # case-insensitive
            assert (await resp.json())["result"]["id"] == BOT_ID
        async with session.post(
            f"{api.base_url}{TOKEN}/sendMessage", json={"chat_id": USER, "text": "json body"}
        ) as resp:
            assert (await resp.json())["result"]["text"] == "json body"
    async with Bot("123:wrong-but-well-formed", base_url=api.base_url) as other:
        assert other.id == BOT_ID  # any well-formed token is accepted
    with pytest.raises(InvalidToken):
        await Bot("nonsense", base_url=api.base_url).get_me()


@pytest.mark.asyncio
async def test_clients_disappearing_mid_request(
    api: FakeBotApi, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    # A long poll whose client dies (like a bot killed with kill -9).
    _reader, writer = await asyncio.open_connection("127.0.0.1", api.port)
    body = b"timeout=30"
    writer.write(
        f"POST /bot{TOKEN}/getUpdates HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    await api.wait_calls("getUpdates", 1)
    writer.close()
    await writer.wait_closed()

    # A multipart upload cut off in the middle of the body.
    _reader, writer = await asyncio.open_connection("127.0.0.1", api.port)
    writer.write(
        f"POST /bot{TOKEN}/sendDocument HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 100000\r\n\r\n"
        '--XyZ\r\nContent-Disposition: form-data; name="document"; filename="a.bin"\r\n\r\n'
        "partial".encode()
    )
    await writer.drain()
    await asyncio.sleep(0.05)
    writer.close()
    await writer.wait_closed()

    update_id = api.send_text(USER, "still alive?")
    updates = await bot.get_updates(timeout=5)
    assert [u.update_id for u in updates] == [update_id]
    assert api.server_errors == []
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.asyncio
async def test_stop_ends_pending_long_poll() -> None:
    api = FakeBotApi()
    await api.start()
    async with Bot(TOKEN, base_url=api.base_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await api.wait_calls("getUpdates", 1)
        started = time.monotonic()
        await api.stop()
        assert await poll == ()
        assert time.monotonic() - started < 3


@pytest.mark.asyncio
async def test_latency_applies_except_get_updates() -> None:
    async with FakeBotApi(latency=0.2) as api, Bot(TOKEN, base_url=api.base_url) as bot:
        started = time.monotonic()
        await bot.send_message(USER, "slow")
        assert time.monotonic() - started >= 0.2
        api.send_text(USER, "x")
        started = time.monotonic()
        await bot.get_updates(timeout=0)
        assert time.monotonic() - started < 0.15


# --------------------------------------------------------------------------- full Application


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "Xin chào! Chọn:", reply_markup=keyboard(("Bài 1", "lesson:1"))
    )


async def _lesson(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"Bạn chọn {query.data}")


@pytest.mark.asyncio
async def test_real_application_long_polling(api: FakeBotApi) -> None:
    app: Application = (  # type: ignore[type-arg]
        ApplicationBuilder().token(TOKEN).base_url(api.base_url).build()
    )
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CallbackQueryHandler(_lesson))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            api.send_text(USER, "/start")
            call = await api.wait_text(USER, "Xin chào")
            assert call.method == "sendMessage"
            assert api.buttons(USER) == [("Bài 1", "lesson:1")]

            api.press(USER, "lesson:1")
            edit = await api.wait_text(USER, "Bạn chọn lesson:1")
            assert edit.method == "editMessageText"
            assert api.buttons(USER) == []
            await api.wait_idle()
            assert api.unconfirmed == []
            answers = [c for c in api.calls if c.method == "answerCallbackQuery"]
            assert len(answers) == 1 and answers[0].ok
        finally:
            await app.updater.stop()
            await app.stop()
    assert api.server_errors == []


# ---------------------------------------------------------------------- lasting faults


@pytest_asyncio.fixture
async def quick_bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    """A real PTB Bot on the bot's own transport, giving up on an answer after 0.5 s."""
    request = BotApiRequest(read_timeout=0.5)
    async with Bot(TOKEN, base_url=api.base_url, request=request,
                   get_updates_request=BotApiRequest(read_timeout=0.5)) as real_bot:
        yield real_bot


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_answers_429_until_its_calls_run_out(api: FakeBotApi, bot: Bot) -> None:
    api.flood(retry_after=7, calls=3, methods=OUTGOING)
    assert api.faulty
    for _ in range(2):
        with pytest.raises(RetryAfter, match="7"):
            await bot.send_message(USER, "spam")
    api.send_text(USER, "hi")
    assert len(await bot.get_updates(timeout=0)) == 1  # getUpdates is spared
    with pytest.raises(RetryAfter):
        await bot.edit_message_text("x", chat_id=USER, message_id=1)
    assert not api.faulty
    await bot.send_message(USER, "through")
    assert api.texts_to(USER) == ["through"]
    assert [c.status for c in api.calls[1:] if c.method != "getUpdates"] == [429, 429, 429, 200]
    assert api.fault_hits == {"429": 3}


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_for_a_time_covers_get_updates(api: FakeBotApi, bot: Bot) -> None:
    api.flood(retry_after=1, seconds=1.0)
    with pytest.raises(RetryAfter):
        await bot.get_updates(timeout=0)
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "spam")
    await asyncio.sleep(1.1)
    assert not api.faulty
    await bot.send_message(USER, "through")
    assert api.texts_to(USER) == ["through"]


@pytest.mark.asyncio
async def test_outage_cycles_5xx_in_json_and_as_nginx_pages(api: FakeBotApi, bot: Bot) -> None:
    api.outage((500, 502, 503, 504), calls=5)
    with pytest.raises(NetworkError, match="Internal Server Error") as first:
        await bot.send_message(USER, "a")
    assert not isinstance(first.value, (RetryAfter, BadRequest))
    with pytest.raises(NetworkError, match=r"Bad Gateway \(502\)"):
        await bot.get_updates(timeout=0)
    with pytest.raises(NetworkError, match=r"Service Unavailable \(503\)"):
        await bot.send_message(USER, "b")
    with pytest.raises(NetworkError, match=r"Gateway Timeout \(504\)"):
        await bot.answer_callback_query("1")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(USER, "c")
    await bot.send_message(USER, "d")
    assert api.texts_to(USER) == ["d"]
    assert [c.status for c in api.calls[1:]] == [500, 502, 503, 504, 500, 200]
    assert api.server_errors == []


@pytest.mark.asyncio
async def test_end_faults_ends_an_outage_at_once(api: FakeBotApi, bot: Bot) -> None:
    api.outage((503,))
    for _ in range(3):
        with pytest.raises(NetworkError):
            await bot.send_message(USER, "x")
    api.end_faults()
    assert not api.faulty
    await bot.send_message(USER, "y")
    assert api.texts_to(USER) == ["y"]


@pytest.mark.asyncio
async def test_stall_times_the_client_out_and_changes_nothing(
    api: FakeBotApi, quick_bot: Bot
) -> None:
    api.stall(methods=["sendMessage"])
    with pytest.raises(TimedOut):
        await quick_bot.send_message(USER, "lost")
    await api.wait_for(lambda: len(api.calls) == 2, what="the stalled call recorded")
    stalled = api.calls[-1]
    assert (stalled.method, stalled.status, stalled.answered) == ("sendMessage", 0, False)
    assert api.messages(USER) == [] and api.sent_to(USER) == []
    await quick_bot.send_chat_action(USER, ChatAction.TYPING)  # other methods still answer
    api.end_faults()
    await quick_bot.send_message(USER, "kept")
    assert api.texts_to(USER) == ["kept"]
    assert api.fault_hits == {"timeout": 1}


@pytest.mark.asyncio
async def test_applied_stall_delivers_but_the_answer_is_lost(
    api: FakeBotApi, quick_bot: Bot
) -> None:
    api.stall(applied=True, calls=1)
    with pytest.raises(TimedOut):
        await quick_bot.send_message(USER, "delivered anyway")
    await api.wait_for(lambda: not api.calls[-1].answered, what="the lost answer recorded")
    assert api.texts_to(USER) == ["delivered anyway"]  # the user got it
    assert api.calls[-1].ok
    await quick_bot.send_message(USER, "second")  # the stall took one call only
    assert api.texts_to(USER) == ["delivered anyway", "second"]


@pytest.mark.asyncio
async def test_stall_released_in_time_is_answered_late(api: FakeBotApi, bot: Bot) -> None:
    api.stall(hold=0.2)
    message = await bot.send_message(USER, "late")
    assert message.text == "late"
    api.stall()
    task = asyncio.create_task(bot.send_message(USER, "released"))
    await api.wait_for(lambda: api.fault_hits["timeout"] == 2, what="the second stalled call")
    assert not task.done()
    api.end_faults()
    assert (await task).text == "released"
    assert all(c.answered for c in api.calls)


@pytest.mark.asyncio
async def test_stalled_get_updates_keeps_updates_for_the_next_poll(
    api: FakeBotApi, quick_bot: Bot
) -> None:
    update_id = api.send_text(USER, "wait for me")
    api.stall(methods=["getUpdates"], seconds=1.5)
    with pytest.raises(TimedOut):
        await quick_bot.get_updates(timeout=0)
    assert api.deliveries == {}
    api.end_faults()
    updates = await quick_bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [update_id]


@pytest.mark.asyncio
async def test_drop_resets_the_connection(api: FakeBotApi, bot: Bot) -> None:
    update_id = api.send_text(USER, "still here")
    api.drop(calls=2)
    with pytest.raises(NetworkError, match=r"(?i)disconnected"):
        await bot.send_message(USER, "dropped")
    with pytest.raises(NetworkError):
        await bot.get_updates(timeout=0)
    assert [(c.method, c.status, c.answered) for c in api.calls[1:]] == [
        ("sendMessage", 0, False), ("getUpdates", 0, False)]
    assert api.messages(USER)[-1]["text"] == "still here" and api.deliveries == {}
    updates = await bot.get_updates(timeout=0)  # the connection pool recovers
    assert [u.update_id for u in updates] == [update_id]
    await bot.send_message(USER, "fine")
    assert api.texts_to(USER) == ["fine"]
    assert api.server_errors == []


@pytest.mark.asyncio
async def test_applied_drop_delivers_but_the_answer_is_lost(api: FakeBotApi, bot: Bot) -> None:
    api.drop(applied=True, methods=OUTGOING, seconds=30)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "got it, but the bot does not know")
    assert api.texts_to(USER) == ["got it, but the bot does not know"]
    assert api.calls[-1].ok and not api.calls[-1].answered
    api.end_faults()
    await bot.send_message(USER, "and this")
    assert len(api.texts_to(USER)) == 2


# ---------------------------------------------------------------------- webhook mode

SECRET = "s3cret_TOKEN-1"


class Receiver:
    """A small webhook endpoint: records what it gets, answers ``statuses`` in turn, then 200."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, object], str | None]] = []
        self.statuses: list[int] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        self.received.append((await request.json(), request.headers.get(SECRET_HEADER)))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as endpoint:
        yield endpoint


@pytest.mark.asyncio
async def test_set_webhook_validates_url_and_secret(api: FakeBotApi, bot: Bot) -> None:
    for secret in ("has space", "dot.ted", "x" * 257, "émoji"):
        with pytest.raises(BadRequest, match="Secret token contains unallowed characters"):
            await bot.set_webhook("http://127.0.0.1:8080/hook", secret_token=secret)
        assert api.calls[-1].status == 400
        assert api.calls[-1].description == (
            "Bad Request: secret token contains unallowed characters")
    with pytest.raises(BadRequest, match=r"(?i)https url must be provided"):
        await bot.set_webhook("http://example.com/hook")
    with pytest.raises(BadRequest, match=r"(?i)only on ports 80, 88, 443 or 8443"):
        await bot.set_webhook("https://example.com:9000/hook")
    with pytest.raises(BadRequest, match=r"(?i)bad webhook"):
        await bot.set_webhook("ftp://127.0.0.1/hook")
    assert api.webhook_url == "" and (await bot.get_webhook_info()).url == ""

    assert await bot.set_webhook("http://127.0.0.1:8080/hook", secret_token="A" * 256,
                                 allowed_updates=["message"], max_connections=5)
    assert api.calls[-1].ok and api.webhook_secret == "A" * 256
    info = await bot.get_webhook_info()
    assert info.url == api.webhook_url == "http://127.0.0.1:8080/hook"
    assert not info.has_custom_certificate and info.pending_update_count == 0
    assert info.allowed_updates == ("message",) and info.max_connections == 5
    assert info.last_error_date is None


@pytest.mark.asyncio
async def test_get_updates_conflicts_while_a_webhook_is_set(api: FakeBotApi, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_calls("getUpdates")
    await bot.set_webhook("http://127.0.0.1:1/hook")
    with pytest.raises(Conflict, match="while webhook is active"):
        await poll  # a pending long poll ends
    with pytest.raises(Conflict, match="use deleteWebhook to delete the webhook first"):
        await bot.get_updates()
    assert api.calls[-1].status == 409
    async with aiohttp.ClientSession() as session, session.get(
        f"{api.base_url}{TOKEN}/getUpdates"
    ) as response:
        assert response.status == 409
        assert await response.json() == {"ok": False, "error_code": 409,
                                         "description": WEBHOOK_CONFLICT}


@pytest.mark.asyncio
async def test_webhook_delivers_updates_with_the_secret(
    api: FakeBotApi, bot: Bot, receiver: Receiver
) -> None:
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    first = api.send_text(USER, "/start")
    second = api.send_sticker(USER)
    deliveries = await api.wait_delivered(second)
    assert [d.ok for d in deliveries] == [True]
    await api.wait_idle(quiet=0.05)
    assert [body["update_id"] for body, _ in receiver.received] == [first, second]
    assert {header for _, header in receiver.received} == {SECRET}
    update = Update.de_json(receiver.received[0][0], bot)
    assert update.message is not None and update.message.text == "/start"
    assert update.message.chat.id == USER
    assert api.deliveries_of(first)[0].status == 200 and not api.unconfirmed
    assert api.deliveries == {first: 1, second: 1}
    assert (await bot.get_webhook_info()).pending_update_count == 0

    api.redeliver(first)  # as after a crash before the 200
    await api.wait_delivered(first)
    assert [d.attempt for d in api.deliveries_of(first)] == [1, 1]
    assert receiver.received[-1][0]["update_id"] == first


@pytest.mark.asyncio
async def test_webhook_retries_after_a_500_and_records_the_error(
    api: FakeBotApi, bot: Bot, receiver: Receiver
) -> None:
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    receiver.statuses = [500]
    update_id = api.send_text(USER, "hello")
    deliveries = await api.wait_delivered(update_id)
    assert [(d.attempt, d.status, d.ok) for d in deliveries] == [(1, 500, False), (2, 200, True)]
    assert "500" in deliveries[0].error
    info = await bot.get_webhook_info()
    assert info.last_error_date is not None and info.last_error_message is not None
    assert "Wrong response from the webhook: 500" in info.last_error_message
    assert not api.dropped_updates

    receiver.statuses = [503] * 10  # every attempt fails: dropped after the retries
    lost = api.send_text(USER, "lost")
    deliveries = await api.wait_delivered(lost)
    assert [d.attempt for d in deliveries] == [1, 2, 3, 4] and not any(d.ok for d in deliveries)
    assert deliveries[-1].dropped and api.dropped_updates == [lost]
    assert not api.unconfirmed


@pytest.mark.asyncio
async def test_webhook_connection_errors_count_as_failures() -> None:
    async with FakeBotApi(webhook_retries=1, webhook_retry_delay=0.01) as api:
        own_bot = Bot(TOKEN, base_url=api.base_url)
        async with own_bot:
            await own_bot.set_webhook("http://127.0.0.1:1/hook")  # nobody listens there
            update_id = api.send_text(USER, "hi")
            deliveries = await api.wait_delivered(update_id)
            assert [(d.attempt, d.status) for d in deliveries] == [(1, 0), (2, 0)]
            assert deliveries[-1].error and deliveries[-1].dropped
            assert (await own_bot.get_webhook_info()).last_error_message


@pytest.mark.asyncio
async def test_forge_webhook_with_a_wrong_secret(
    api: FakeBotApi, bot: Bot, receiver: Receiver
) -> None:
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    receiver.statuses = [403]
    assert await api.forge_webhook() == 403
    assert receiver.received[-1][1] == "wrong"
    assert await api.forge_webhook(secret=None) == 200
    assert receiver.received[-1][1] is None
    forged = api.webhook_deliveries
    assert len(forged) == 2 and not any(d.genuine for d in forged)
    assert api.deliveries == {} and not api.dropped_updates
    update_id = api.send_text(USER, "real")
    await api.wait_delivered(update_id)
    assert await api.forge_webhook(update_id, secret=SECRET) == 200
    assert receiver.received[-1] == receiver.received[-2]


@pytest.mark.asyncio
async def test_delete_webhook_brings_polling_back(
    api: FakeBotApi, bot: Bot, receiver: Receiver
) -> None:
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    delivered = api.send_text(USER, "by webhook")
    await api.wait_delivered(delivered)
    assert await bot.delete_webhook()
    assert api.webhook_url == "" and api.webhook_secret is None
    assert (await bot.get_webhook_info()).url == ""
    polled = api.send_text(USER, "by polling")
    updates = await bot.get_updates(timeout=1)
    assert [u.update_id for u in updates] == [polled]
    assert len(receiver.received) == 1 and api.deliveries_of(polled) == []

    await bot.set_webhook(receiver.url, drop_pending_updates=True)
    assert not api.unconfirmed  # the polled update was dropped, never POSTed
    await bot.delete_webhook()
    api.send_text(USER, "dropped")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert not api.unconfirmed and await bot.get_updates() == ()
