"""Run the real python-telegram-bot Application against the fake Bot API, in-process."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from telegram.error import TelegramError
from telegram.ext import Application

from bot.channels.telegram.application import ALLOWED_UPDATES, build_application
from bot.core.lessons.catalog import Lesson
from tests.factories import FAST_USERS, TOKEN, make_config
from tests.fakes.telegram import FakeBotApi


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def running_bot(api: FakeBotApi, tmp_path: Path, **env: str
                      ) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """Start the bot as run_polling would (post_init included) and stop it the same way."""
    config = make_config(tmp_path, **{"TELEGRAM_BOT_TOKEN": TOKEN,
                                      "TELEGRAM_API_URL": api.base_url,
                                      "TELEGRAM_CHAT_RATE": FAST_USERS, **env})
    application = build_application(config)
    await application.initialize()
    assert application.post_init is not None and application.updater is not None
    await application.post_init(application)

    def polling_error(exc: TelegramError) -> None:  # what run_polling does with them
        application.create_task(application.process_error(error=exc, update=None))

    await application.updater.start_polling(poll_interval=0, timeout=1,
                                            allowed_updates=ALLOWED_UPDATES,
                                            error_callback=polling_error)
    await application.start()
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


def data_of(api: FakeBotApi, chat: int, label_part: str) -> str:
    """The callback data of the current keyboard's button whose label contains label_part."""
    for label, data in api.buttons(chat):
        if label_part in label:
            return data
    raise AssertionError(f"no {label_part!r} in {api.buttons(chat)}")


async def tap(api: FakeBotApi, chat: int, label_part: str, expect: str,
              timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Press a button of the current keyboard and wait for a text containing expect."""
    api.press(chat, data_of(api, chat, label_part))
    await api.wait_text(chat, expect, timeout=timeout)


async def finish_lesson(api: FakeBotApi, chat: int, lesson: Lesson) -> None:
    """From the skill's lesson list: open the lesson, read every step, answer its quiz right."""
    await tap(api, chat, lesson.title["en"], "Step 1 of")
    for number in range(2, len(lesson.steps) + 1):
        await tap(api, chat, "Next", f"Step {number} of")
    await tap(api, chat, "Quiz", "Question 1 of")
    for index, question in enumerate(lesson.quiz):
        right = next(a for a in question.answers if a.correct)
        await tap(api, chat, right.text["en"], "✅ Correct!")
        last = index == len(lesson.quiz) - 1
        await tap(api, chat, "Finish" if last else "Next question",
                  "You finished" if last else f"Question {index + 2} of")
