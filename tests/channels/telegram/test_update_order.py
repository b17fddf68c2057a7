"""One chat's updates run in arrival order; different chats run side by side."""

from __future__ import annotations

import asyncio

from telegram import Chat, Update

from bot.channels.telegram.processor import PerChatUpdateProcessor


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, "private")
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": chat.to_dict(), "text": "x"}}, None)


async def test_one_chat_in_order_many_chats_at_once() -> None:
    processor = PerChatUpdateProcessor(concurrent_updates=8)
    log: list[tuple[str, int, int]] = []
    running: dict[int, int] = {}
    overlap = {"chats": 0}

    async def work(update_id: int, chat_id: int, delay: float) -> None:
        running[chat_id] = running.get(chat_id, 0) + 1
        assert running[chat_id] == 1, "two updates of one chat ran at once"
        overlap["chats"] = max(overlap["chats"], sum(1 for v in running.values() if v))
        log.append(("start", chat_id, update_id))
        await asyncio.sleep(delay)
        log.append(("end", chat_id, update_id))
        running[chat_id] -= 1

    tasks = []
    # Earlier updates sleep longer, so without per-chat ordering later ones would finish first.
    for update_id in range(10):
        for chat_id in (1, 2, 3):
            delay = (10 - update_id) * 0.003
            tasks.append(asyncio.create_task(processor.process_update(
                update(update_id * 10 + chat_id, chat_id), work(update_id, chat_id, delay))))
            await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    for chat_id in (1, 2, 3):
        ends = [uid for kind, chat, uid in log if kind == "end" and chat == chat_id]
        assert ends == list(range(10))
    assert overlap["chats"] == 3  # the three chats did overlap


async def test_a_busy_chat_does_not_hold_the_slots_of_others() -> None:
    processor = PerChatUpdateProcessor(concurrent_updates=2)
    gate = asyncio.Event()
    done: list[int] = []

    async def slow() -> None:
        await gate.wait()

    async def quick(chat_id: int) -> None:
        done.append(chat_id)

    busy = [asyncio.create_task(processor.process_update(update(i, 1), slow()))
            for i in range(20)]
    other = asyncio.create_task(processor.process_update(update(99, 2), quick(2)))
    await asyncio.wait_for(other, timeout=2)
    assert done == [2]
    gate.set()
    await asyncio.gather(*busy)
