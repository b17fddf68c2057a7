"""The Telegram side of bench/updates.py: a fake Bot API and the simulated users driving a bot.

It runs in the benchmark's own process, so its CPU never counts against the bot under test,
which runs in a process of its own. The bot tags every Bot API call with the update it is
answering (``?u=<update_id>``) and reports each finished update on a TCP line. A user waits for
both before acting again (closed loop, like a person): the report that its update is handled,
and a message sent or edited in its chat *for that update* (at most ANSWER_GRACE after the
report: a bot that queues its replies and sends them later, paced, answers after its handlers
end). Any message would not do: a bot that answers in several messages is still sending the
last of an older answer, and a user acting on it presses a screen the bot has not finished
(and the fake prunes the chat under a press still queued). The tags are also how the per-chat
order of answers is checked and the calls per update counted.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.telegram import FakeBotApi
from tests.fakes.telegram_model import SENT_OR_EDITED

Buttons = list[tuple[str, str]]  # (label, callback data)
ANSWER_TIMEOUT = 30.0  # s; an update not reported by then counts as a timeout
ANSWER_GRACE = 2.0  # s a user waits after the report for the answer's message, then acts


class BenchApi(FakeBotApi):
    """FakeBotApi without a call log (a run makes ~10^5 calls) that checks per-chat order."""

    def __init__(self, latency: float) -> None:
        super().__init__(latency=latency)
        self.owner: dict[int, int] = {}  # update_id -> the chat it came from
        self.last_answered: dict[int, int] = {}  # chat -> newest update id answered so far
        self.order_violations = 0
        self.tagged_calls = 0
        self.calls_made = 0  # every call but getUpdates
        self.messages_sent = 0  # calls that send or edit a message (what a pace counts)
        self.failures: collections.Counter[str] = collections.Counter()
        self._watchers: dict[int, list[tuple[int, asyncio.Future[None]]]] = {}

    def _record(self, method: str, params: dict[str, Any], status: int, description: str,
                result: Any, *_more: Any) -> None:
        # Replaces the call log: a message (sent or edited) answering an older update of a chat
        # after one answering a newer update is an ordering violation. Other calls do not
        # count: an answerCallbackQuery stops a button's spinner and may go ahead of a
        # message that a bot's pace holds back.
        if status != 200:
            self.failures[f"{method} {status} {description[:50]}"] += 1
        if method == "getUpdates":
            return
        self.calls_made += 1
        if method in SENT_OR_EDITED:  # refused ("not modified") too: the bot did answer
            self.messages_sent += 1
        tag = params.get("u")
        if not isinstance(tag, int):
            return
        self.tagged_calls += 1
        chat = self.owner.get(tag)
        if method not in SENT_OR_EDITED:
            return
        if chat is None:
            return
        if tag < self.last_answered.get(chat, 0):
            self.order_violations += 1
            return
        self.last_answered[chat] = tag
        waiting = self._watchers.get(chat)
        if waiting:
            for wanted, watcher in waiting:
                if wanted <= tag and not watcher.done():
                    watcher.set_result(None)
            self._watchers[chat] = [(wanted, w) for wanted, w in waiting if not w.done()]

    async def answered(self, chat_id: int, update_id: int, grace: float) -> bool:
        """Wait (at most grace seconds) for a message to the chat answering update_id (or a
        newer update of the chat)."""
        if self.last_answered.get(chat_id, 0) >= update_id:
            return True
        watcher: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._watchers.setdefault(chat_id, []).append((update_id, watcher))
        try:
            await asyncio.wait_for(watcher, grace)
        except TimeoutError:
            return False
        return True

    def screen(self, chat_id: int) -> tuple[str, Buttons]:
        """What the user sees: the bot's latest text and the latest inline keyboard."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return "", []
        ours = [m for m in chat.messages.values() if m.from_bot]
        if not ours:
            return "", []
        latest = max(ours, key=lambda m: m.touched)
        return str(latest.data.get("text", "")), self.buttons(chat_id)

    def prune(self, chat_id: int, keep: int = 6) -> None:
        """Forget all but the newest messages of a chat (the fake scans them on each press)."""
        chat = self._chats.get(chat_id)
        if chat is None or len(chat.messages) <= 2 * keep:
            return
        keyboard = self._latest_with_keyboard(chat)
        kept = set(sorted(chat.messages)[-keep:])
        if keyboard is not None:
            kept.add(int(keyboard.data["message_id"]))
        for message_id in [m for m in chat.messages if m not in kept]:
            del chat.messages[message_id]


@dataclass(frozen=True)
class Move:
    """One user action: typed text or a button press; burst: may be sent twice at once."""

    kind: str  # "text" or "press"
    value: str
    burst: bool = True


@dataclass
class SimUser:
    """A simulated person and what they are doing."""

    uid: int
    role: str  # "citizen", "volunteer" or "bare"
    language: str
    rng: random.Random
    first: list[Move] = field(default_factory=list)
    goal: str = "lesson"
    goal_left: int = 0
    typed: dict[str, int] = field(default_factory=dict)
    seen: tuple[str, int] = ("", 0)
    repeats: int = 0


# Typed now and then by citizens and volunteers between button presses: (text, share).
SIDE_TRIPS = (("/progress", 0.03), ("/menu", 0.02), ("/help", 0.015), ("/continue", 0.02),
              ("cách kích hoạt vneid", 0.015))
_households = itertools.count(1)


def _verb(data: str) -> str:
    return data.split(":", 1)[0]


def lesson_move(user: SimUser, buttons: Buttons) -> Move:
    """Through lessons: answer, go forward, open a lesson or a skill; sometimes a command."""
    roll, total = user.rng.random(), 0.0
    for text, share in SIDE_TRIPS:
        total += share
        if roll < total:
            return Move("text", text)
    datas = [data for _, data in buttons]
    answers = [d for d in datas if _verb(d) == "ans"]
    if answers:
        return Move("press", user.rng.choice(answers))
    for data in datas:
        parts = data.split(":")
        if parts[0] == "go" and len(parts) == 4 and int(parts[3]) == int(parts[2]) + 1:
            return Move("press", data)
    for verb in ("open", "skill"):
        found = [d for d in datas if _verb(d) == verb]
        if found:
            return Move("press", user.rng.choice(found))
    return Move("press", "menu") if "menu" in datas else Move("text", "/menu")


def visit_move(user: SimUser, buttons: Buttons) -> Move:
    """Through the /visit form: the team's commune, a hamlet and household typed, one skill..."""
    form = [(label, data.split(":")) for label, data in buttons if data.startswith("vf:")]
    if not form:
        datas = [data for _, data in buttons]
        return Move("press", "vnew") if "vnew" in datas else Move("text", "/visit")
    ops: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    for label, parts in form:
        ops[parts[2]].append((label, ":".join(parts)))
    for op in ("confirm", "follow", "yes", "skip", "resume"):
        if op in ops:
            return Move("press", ops[op][0][1])
    if "com" in ops:
        ticked = [d for label, d in ops["com"] if label.startswith("✓")]
        return Move("press", (ticked or [ops["com"][0][1]])[0])
    if "ppl" in ops:
        return Move("press", user.rng.choice(ops["ppl"])[1])
    for pick, done in (("sk", "sdone"), ("oc", "odone")):
        if pick in ops:
            if any(label.startswith("✓") for label, _ in ops[pick]) and done in ops:
                return Move("press", ops[done][0][1])
            return Move("press", user.rng.choice(ops[pick])[1])
    token = form[0][1][1]  # a step waiting for typed text: the hamlet, then the household
    typed = user.typed.get(token, 0)
    user.typed[token] = typed + 1
    if typed == 0:
        return Move("text", f"Thôn {user.rng.randint(1, 12)}", burst=False)
    return Move("text", f"Hộ ông Nguyễn Văn {user.uid} số {next(_households)}", burst=False)


def bare_move(user: SimUser, buttons: Buttons) -> Move:
    """The reference bots' traffic: mostly presses of the keyboard shown, some texts."""
    if buttons and user.rng.random() < 0.7:
        return Move("press", user.rng.choice(buttons)[1])
    return Move("text", user.rng.choice(("xin chào", "hello", "menu", "ok")))


def next_move(user: SimUser, text: str, buttons: Buttons) -> tuple[Move, bool]:
    """The user's next action given the screen; True when they were stuck and reset."""
    if user.first:
        return user.first.pop(0), False
    if user.role == "bare":
        return bare_move(user, buttons), False
    seen = (text, hash(tuple(buttons)))
    user.repeats = user.repeats + 1 if seen == user.seen else 0
    user.seen = seen
    if user.repeats >= 6:  # the same screen six times: the policy is lost, start over
        user.repeats, user.goal = 0, "lesson"
        return Move("text", "/cancel"), True
    if user.role == "volunteer":
        if any(data.startswith("vm:list") for _, data in buttons):  # a visit was just saved
            user.goal, user.goal_left = "lesson", user.rng.randint(8, 20)
        if user.goal == "lesson":
            user.goal_left -= 1
            if user.goal_left <= 0:
                user.goal = "visit"
        if user.goal == "visit":
            return visit_move(user, buttons), False
    return lesson_move(user, buttons), False


@dataclass
class Done:
    """One update the bot reported finished: when, its own time and its Bot API waits."""

    at: float
    own_ns: int
    api_ns: int
    calls: int
    waited: float  # s from the update's injection to the bot's report: what the user waited


class Driver:
    """Receives the bot's reports and runs every simulated user against the fake API."""

    def __init__(self, api: BenchApi, burst_share: float = 0.05) -> None:
        self.api = api
        self.burst_share = burst_share
        self.done: list[Done] = []
        self.ready = asyncio.Event()
        self.timeouts = 0
        self.stuck = 0
        self.silent = 0  # answers with no message in the chat within ANSWER_GRACE
        self.profile: dict[str, int] = {}
        self.settings: dict[str, Any] = {}  # what the bot runs with (slots, pace)
        self.moves: collections.Counter[str] = collections.Counter()
        self._waiting: dict[int, asyncio.Future[None]] = {}
        self._sent_at: dict[int, float] = {}
        self._server: asyncio.AbstractServer | None = None

    async def listen(self) -> int:
        """Start the report listener; return its port on 127.0.0.1."""
        self._server = await asyncio.start_server(self._reports, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _reports(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # "R {settings}" once the bot is up; "D update_id own_ns api_ns calls" per finished
        # update; "P {counters}" after a profile.
        while line := await reader.readline():
            parts = line.split()
            if parts[0] == b"R":
                self.settings = json.loads(line[2:] or b"{}")
                self.ready.set()
                continue
            if parts[0] == b"P":
                self.profile = json.loads(line[2:])
                continue
            update_id, own_ns, api_ns, calls = (int(p) for p in parts[1:5])
            now = time.monotonic()
            sent = self._sent_at.pop(update_id, now)
            self.done.append(Done(now, own_ns, api_ns, calls, now - sent))
            waiter = self._waiting.pop(update_id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        writer.close()

    def _send(self, user: SimUser, move: Move) -> int:
        if move.kind == "press":
            try:
                update_id = self.api.press(user.uid, move.value, language_code=user.language)
            except AssertionError:  # the keyboard changed under a double tap
                update_id = self.api.send_text(user.uid, "/menu", user.language)
        else:
            update_id = self.api.send_text(user.uid, move.value, user.language)
        self.api.owner[update_id] = user.uid
        self._sent_at[update_id] = time.monotonic()
        return update_id

    async def run_user(self, user: SimUser, stop: asyncio.Event) -> None:
        """Act, wait until the bot has answered, look at the screen, act again."""
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            text, buttons = self.api.screen(user.uid)
            move, stuck = next_move(user, text, buttons)
            self.stuck += stuck
            times = 2 if move.burst and user.rng.random() < self.burst_share else 1
            waiters, newest = [], 0
            for _ in range(times):
                self.moves[move.kind] += 1
                waiter: asyncio.Future[None] = loop.create_future()
                newest = self._send(user, move)
                self._waiting[newest] = waiter
                waiters.append(waiter)
            try:
                await asyncio.wait_for(asyncio.gather(*waiters), ANSWER_TIMEOUT)
            except TimeoutError:
                self.timeouts += 1
            else:
                self.silent += not await self.api.answered(user.uid, newest, ANSWER_GRACE)
            self.api.prune(user.uid)


def make_users(count: int, bare: bool, volunteer_share: float, join_codes: list[str],
               seed: int = 6) -> list[SimUser]:
    """count users with ids from 5,000,001; a share of them, spread evenly (so that the first n
    users of a ramp hold the same share), join a team and log visits."""
    users = []
    for n in range(count):
        rng = random.Random(seed * 1_000_003 + n)
        language = "en" if rng.random() < 0.2 else "vi"
        uid = 5_000_001 + n
        if bare:
            users.append(SimUser(uid, "bare", language, rng, [Move("text", "/start")]))
            continue
        first = [Move("text", "/start", burst=False)]
        volunteer = join_codes and int((n + 1) * volunteer_share) > int(n * volunteer_share)
        if volunteer:
            code = join_codes[int(n * volunteer_share) % len(join_codes)]
            first.append(Move("text", f"/join {code}", burst=False))
        users.append(SimUser(uid, "volunteer" if volunteer else "citizen", language, rng, first,
                             goal="visit" if volunteer else "lesson"))
    return users
