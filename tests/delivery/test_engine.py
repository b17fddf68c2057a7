"""The delivery engine's rules, with a scripted channel at the adapter's seam (the engine is
channel-neutral; tests/channels/telegram/test_delivery.py runs it through Telegram's adapter
against the fake Bot API)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.events import Button, Reply
from bot.delivery.engine import DeliveryEngine, Limits
from bot.delivery.outcomes import SENT, Outcome, Part, Priority, Result

FAST = Limits(rate=1000, chat_rate=1000, chat_burst=100, reply_deadline=5)
TINY_DELAYS = (0.001,)


@dataclass
class Channel:
    """A channel that records each call and answers from a script (SENT when it runs out)."""

    script: dict[str, list[Outcome]] = field(default_factory=dict)  # by text
    calls: list[tuple[float, str, Part, Result]] = field(default_factory=list)
    latency: float = 0.0

    async def send(self, chat: str, part: Part) -> Outcome:
        """Answer as scripted for the part's text."""
        if self.latency:
            await asyncio.sleep(self.latency)
        queued = self.script.get(part.text, [])
        outcome = queued.pop(0) if queued else Outcome(Result.SENT, message_id=len(self.calls))
        self.calls.append((time.monotonic(), chat, part, outcome.result))
        return outcome

    def sent(self, chat: str | None = None) -> list[str]:
        """Texts that went out (to chat), in order."""
        return [part.text for _, to, part, result in self.calls
                if result is Result.SENT and (chat is None or to == chat)]


def engine(channel: Channel, limits: Limits = FAST) -> DeliveryEngine:
    return DeliveryEngine("test", channel, limits, retry_delays=TINY_DELAYS)


async def test_replies_go_before_what_was_queued_in_bulk() -> None:
    channel = Channel()
    delivery = engine(channel, Limits(rate=50, chat_rate=1000, chat_burst=100))
    bulk = [asyncio.create_task(delivery.send(str(100 + i), Part(f"bulk {i}"), Priority.BULK))
            for i in range(20)]
    await asyncio.sleep(0.05)  # a few bulk messages are out, the rest wait for the budget
    notice = asyncio.create_task(delivery.send("7", Part("notice"), Priority.NOTICE))
    delivery.reply("1", [Reply("answer")])
    await asyncio.gather(*bulk, notice)
    order = channel.sent()
    assert order.index("answer") < order.index("notice") < order.index("bulk 19")
    assert order.index("answer") <= 5  # the next slot or so, not behind 20 broadcasts


async def test_a_reply_behind_a_broadcast_message_in_its_chat_does_not_wait_at_its_pace(
) -> None:
    # Replies to others want more than the budget for four seconds; chat A has a broadcast
    # message at its head, then a reply: the head goes at the reply's priority, in order.
    channel = Channel()
    delivery = engine(channel, Limits(rate=20, chat_rate=1000, chat_burst=100,
                                      reply_deadline=3))

    async def others() -> None:
        for number in range(100):  # 25 a second
            delivery.reply(str(100 + number), [Reply(f"busy {number}")])
            await asyncio.sleep(0.04)

    feeding = asyncio.create_task(others())
    await asyncio.sleep(0.1)
    bulk = asyncio.create_task(delivery.send("A", Part("broadcast"), Priority.BULK))
    await asyncio.sleep(0.1)  # the broadcast message waits for a bulk slot
    queued = time.monotonic()
    delivery.reply("A", [Reply("answer")])
    await feeding
    await delivery.stop(grace=3)
    assert channel.sent("A") == ["broadcast", "answer"]
    answered = next(at for at, chat, part, _ in channel.calls if part.text == "answer")
    assert answered - queued < 1.0, answered - queued
    assert bulk.done()


async def test_flood_control_pauses_the_channel_and_the_chat_keeps_its_order() -> None:
    channel = Channel(script={"one": [Outcome(Result.RETRY_AFTER, "flood", retry_after=0.3)]})
    delivery = engine(channel)
    delivery.reply("1", [Reply("one"), Reply("two")])
    delivery.reply("1", [Reply("three")])
    await asyncio.sleep(0.05)
    delivery.reply("2", [Reply("other chat")])
    assert await delivery.drain(5)
    assert channel.sent("1") == ["one", "two", "three"]  # the same message again, then on
    first_try, then = channel.calls[0][0], {p.text: at for at, _, p, r in channel.calls
                                            if r is Result.SENT}
    assert then["one"] - first_try >= 0.3 and then["other chat"] - first_try >= 0.3
    assert delivery.counts.flood_waits == 1 and delivery.counts.sent == 4


async def test_a_reply_is_retried_until_its_deadline_then_the_next_one_goes() -> None:
    failing = [Outcome(Result.TRANSIENT, "Timed out")] * 1000
    channel = Channel(script={"lost": failing, "late": [Outcome(Result.TRANSIENT, "502")] * 3})
    delivery = DeliveryEngine("test", channel, Limits(rate=1000, chat_rate=1000,
                                                      reply_deadline=0.3),
                              retry_delays=(0.02,))
    delivery.reply("1", [Reply("lost")])
    delivery.reply("2", [Reply("late")])
    assert await delivery.drain(5)
    tries = [p.text for _, _, p, _ in channel.calls].count("lost")
    assert 5 <= tries <= 16  # every 20 ms for 0.3 s
    assert channel.sent() == ["late"]  # three failures, then it went
    assert delivery.counts.given_up == 1 and delivery.counts.retried >= tries + 2
    delivery.reply("1", [Reply("next answer")])  # the user writes again: a fresh answer
    assert await delivery.drain(5)
    assert channel.sent("1") == ["next answer"]


async def test_notifications_and_broadcasts_get_their_outcome_after_one_try() -> None:
    channel = Channel(script={"notice": [Outcome(Result.TRANSIENT, "Bad Gateway")],
                              "bulk": [Outcome(Result.BLOCKED, "blocked by the user")]})
    delivery = engine(channel)
    notice = await delivery.send("1", Part("notice"), Priority.NOTICE)
    bulk = await delivery.send("2", Part("bulk"), Priority.BULK)
    assert notice is not None and notice.result is Result.TRANSIENT  # its worker retries
    assert bulk is not None and bulk.result is Result.BLOCKED
    assert len(channel.calls) == 2


async def test_an_edit_refused_comes_as_a_new_message() -> None:
    channel = Channel(script={"step 2": [Outcome(Result.BAD_REQUEST, "message can't be edited")]})
    delivery = engine(channel)
    delivery.reply("1", [Reply("step 2", edit=True), Reply("more")], pressed=41)
    assert await delivery.drain(5)
    parts = [p for _, _, p, _ in channel.calls]
    assert [(p.text, p.edit_of) for p in parts] == [("step 2", 41), ("step 2", None),
                                                    ("more", None)]


async def test_a_refused_reply_is_replaced_by_the_apology_once() -> None:
    refused = Outcome(Result.BAD_REQUEST, "can't parse entities")
    channel = Channel(script={"bad": [refused], "worse": [refused]})
    delivery = engine(channel)
    delivery.reply("1", [Reply("bad"), Reply("worse"), Reply("fine")],
                   apology=lambda: Reply("Sorry"))
    assert await delivery.drain(5)
    assert channel.sent("1") == ["Sorry", "fine"]  # one apology for the whole answer


async def test_a_halted_send_is_withdrawn_unless_it_is_on_the_way() -> None:
    channel = Channel(latency=0.1)
    delivery = engine(channel, Limits(rate=10, chat_rate=1000))
    halt = asyncio.Event()
    sends = [asyncio.create_task(delivery.send(str(i), Part(f"b{i}"), Priority.BULK, halt))
             for i in range(5)]
    await asyncio.sleep(0.05)  # the first is on the way, the others wait for the budget
    halt.set()
    outcomes = await asyncio.gather(*sends)
    first = outcomes[0]
    assert first is not None and first.result is Result.SENT  # on the way: its outcome counts
    assert outcomes[1:] == [None] * 4
    assert await delivery.drain(5)
    assert channel.sent() == ["b0"]


async def test_one_chat_gets_a_burst_then_its_own_pace() -> None:
    channel = Channel()
    delivery = engine(channel, Limits(rate=1000, chat_rate=20, chat_burst=3))
    delivery.reply("1", [Reply(f"m{i}") for i in range(7)])
    delivery.reply("2", [Reply("other")])
    assert await delivery.drain(5)
    times = [at for at, chat, _, _ in channel.calls if chat == "1"]
    assert times[2] - times[0] < 0.03  # the burst
    gaps = [b - a for a, b in itertools.pairwise(times[3:])]
    assert all(gap >= 0.045 for gap in gaps), gaps  # then 20 a second
    other = next(at for at, chat, _, _ in channel.calls if chat == "2")
    assert other < times[4]  # another chat does not wait for this one's pace


async def test_the_budget_is_kept_across_chats_and_priorities() -> None:
    channel = Channel()
    delivery = engine(channel, Limits(rate=100, chat_rate=1000, chat_burst=100))
    sends = [delivery.send(str(i % 30), Part(f"n{i}"), Priority(i % 3)) for i in range(150)]
    started = time.monotonic()
    await asyncio.gather(*sends)
    elapsed = time.monotonic() - started
    times = sorted(at for at, _, _, _ in channel.calls)
    assert 1.3 <= elapsed <= 2.5, elapsed  # 150 at 100 a second
    assert max(sum(1 for t in times if s <= t < s + 1.0) for s in times) <= 102


async def test_a_sender_that_raises_is_a_transient_fault_not_a_stuck_queue() -> None:
    class Broken(Channel):
        async def send(self, chat: str, part: Part) -> Outcome:
            if part.text == "boom":
                raise RuntimeError("adapter bug")
            return await super().send(chat, part)

    channel = Broken()
    delivery = DeliveryEngine("test", channel, Limits(rate=1000, chat_rate=1000,
                                                      reply_deadline=0.1),
                              retry_delays=(0.02,))
    delivery.reply("1", [Reply("boom"), Reply("after")])
    assert await delivery.drain(5)
    assert channel.sent("1") == ["after"]


async def test_stop_drops_what_is_left_after_the_grace() -> None:
    channel = Channel(latency=0.05)
    delivery = engine(channel, Limits(rate=10, chat_rate=1000))
    delivery.reply("1", [Reply(f"r{i}") for i in range(20)])
    waiting = asyncio.create_task(delivery.send("2", Part("bulk"), Priority.BULK))
    await delivery.stop(grace=0.3)
    assert 2 <= len(channel.sent()) <= 5
    assert await waiting is None  # its worker learns it was not sent
    assert delivery.queued == 0


# ---------------------------------------------------------------------- property: any faults

_FAULTS = st.sampled_from([
    Outcome(Result.RETRY_AFTER, "flood", retry_after=0.002),
    Outcome(Result.TRANSIENT, "Timed out"),
    Outcome(Result.TRANSIENT, "Bad Gateway"),
    SENT,
])


@settings(max_examples=40, deadline=None)
@given(messages=st.lists(st.tuples(st.integers(0, 3), st.lists(_FAULTS, max_size=4)),
                         min_size=1, max_size=25),
       buttons=st.booleans())
def test_whatever_fails_each_reply_arrives_once_and_in_its_chats_order(
        messages: list[tuple[int, list[Outcome]]], buttons: bool) -> None:
    """Replies to four chats, each met by any run of faults before it goes: every one is sent
    exactly once, and each chat sees its replies in the order they were queued."""
    script: dict[str, list[Outcome]] = {}
    queued: dict[str, list[str]] = defaultdict(list)
    for number, (chat, faults) in enumerate(messages):
        text = f"{chat}:{number}"
        script[text] = list(faults)
        queued[str(chat)].append(text)
    channel = Channel(script=script)
    row = ((Button("OK", "ok"),),) if buttons else ()

    async def run() -> None:
        delivery = engine(channel)
        for chat, texts in _interleaved(queued):
            delivery.reply(chat, [Reply(text, row) for text in texts])
        assert await delivery.drain(10)

    asyncio.run(run())
    for to, texts in queued.items():
        assert channel.sent(to) == texts


def _interleaved(queued: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    """The chats' replies queued in turns, one or two at a time."""
    turns: list[tuple[str, list[str]]] = []
    cursors = dict.fromkeys(queued, 0)
    while any(cursors[c] < len(t) for c, t in queued.items()):
        for chat, texts in queued.items():
            start = cursors[chat]
            if start < len(texts):
                size = 1 + (start % 2)
                turns.append((chat, texts[start:start + size]))
                cursors[chat] = start + size
    return turns


