"""Fault injection for the fake Telegram Bot API: single errors, blocked and refusing chats, the
send rate limit, and lasting faults of the network (429 storms, 5xx bursts, stalls, drops)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aiohttp import web

from tests.fakes.telegram_model import (
    CANONICAL,
    DROP,
    FLOOD,
    HTML_ERRORS,
    OUTAGE,
    STALL,
    STATUS_TEXT,
    ApiError,
    Call,
    Fault,
    FaultMode,
    JSONDict,
)


class FaultInjection:
    """The fake's fault injection; FakeBotApi adds the HTTP server and the call records."""

    send_rate_limit: int | None
    forbidden_share: float
    calls: list[Call]
    fault_hits: collections.Counter[str]
    _recent_sends: collections.deque[float]
    _blocked: set[int]
    _faults: dict[str, list[Fault]]
    _modes: list[FaultMode]
    _record: Callable[..., None]
    _error_response: Callable[..., web.Response]
    _dispatch: Callable[..., tuple[int, JSONDict]]

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        """Make the next ``count`` calls of ``method`` fail with this error."""
        name = CANONICAL.get(method.lower(), method)
        self._faults.setdefault(name, []).append(Fault(status, description, retry_after, count))

    def flood(self, retry_after: int = 1, *, seconds: float | None = None,
              calls: int | None = None, methods: Iterable[str] | None = None) -> None:
        """A 429 storm: answer calls "Too Many Requests" with ``retry_after``.

        Like every lasting fault it covers ``methods`` (default: every method, getUpdates
        included; :data:`OUTGOING` spares getUpdates) and ends after ``seconds``, after
        ``calls`` faulty answers, or at :meth:`end_faults`, whichever comes first.
        """
        self._add_mode(FLOOD, seconds, calls, methods, retry_after=retry_after)

    def outage(self, statuses: Sequence[int] = (500, 502, 503), *, seconds: float | None = None,
               calls: int | None = None, methods: Iterable[str] | None = None) -> None:
        """A 5xx burst: answer calls with these statuses in turn (502-504 as an nginx page)."""
        self._add_mode(OUTAGE, seconds, calls, methods, statuses=tuple(statuses))

    def stall(self, *, hold: float | None = None, seconds: float | None = None,
              calls: int | None = None, methods: Iterable[str] | None = None,
              applied: bool = False) -> None:
        """Timeouts: hold requests without answering for ``hold`` s (default: until the mode
        ends), then answer normally if the client still waits.

        With ``applied`` the call takes effect at once and only its answer is late, as when
        Telegram delivered a message but the bot timed out (the undecidable case of
        docs/BROADCASTS.md). getUpdates is never applied early.
        """
        self._add_mode(STALL, seconds, calls, methods, hold=hold, applied=applied)

    def drop(self, *, seconds: float | None = None, calls: int | None = None,
             methods: Iterable[str] | None = None, applied: bool = False) -> None:
        """Dropped connections: close the TCP connection without answering. With ``applied``
        the call takes effect first (the answer is what gets lost)."""
        self._add_mode(DROP, seconds, calls, methods, applied=applied)

    def end_faults(self) -> None:
        """End every lasting fault now; stalled requests are answered."""
        for mode in self._modes:
            mode.over.set()
        self._modes.clear()

    @property
    def faulty(self) -> bool:
        """Whether a lasting fault still takes calls."""
        now = time.monotonic()
        return any(mode.lasts(now) for mode in self._modes)

    def _add_mode(self, kind: str, seconds: float | None, calls: int | None,
                  methods: Iterable[str] | None, **options: Any) -> None:
        names = None if methods is None else frozenset(
            CANONICAL.get(m.lower(), m) for m in methods)
        deadline = None if seconds is None else time.monotonic() + seconds
        self._modes.append(FaultMode(kind, names, deadline, calls, **options))

    def _mode_for(self, method: str) -> FaultMode | None:
        """The lasting fault that takes this call, if any (counted as one of its calls)."""
        now = time.monotonic()
        for mode in self._modes:
            if mode.lasts(now) and (mode.methods is None or method in mode.methods):
                mode.hits += 1
                if mode.calls_left is not None:
                    mode.calls_left -= 1
                self.fault_hits[mode.kind] += 1
                return mode
        return None

    def block_chat(self, chat_id: int) -> None:
        """Make sends/edits to ``chat_id`` answer 403 "bot was blocked by the user"."""
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        """Undo :meth:`block_chat`."""
        self._blocked.discard(chat_id)

    def refuses(self, chat_id: Any) -> bool:
        """Whether ``chat_id`` is one of the ``forbidden_share`` of chats answered 403."""
        if self.forbidden_share <= 0 or not isinstance(chat_id, int) or chat_id < 0:
            return False
        spread = (chat_id * 2_654_435_761) % 2**32  # Knuth's multiplicative hash
        return spread < self.forbidden_share * 2**32

    def _flooded(self) -> bool:
        """Whether a send now would exceed ``send_rate_limit``; counts it if not."""
        if self.send_rate_limit is None:
            return False
        now = time.monotonic()
        while self._recent_sends and self._recent_sends[0] <= now - 1.0:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= self.send_rate_limit:
            return True
        self._recent_sends.append(now)
        return False

    # ------------------------------------------------------------------ internals: faults

    async def _misbehave(
        self, mode: FaultMode, request: web.Request, method: str, params: dict[str, Any]
    ) -> web.StreamResponse | None:
        """Answer a call a lasting fault took, or not at all; None: answer it normally."""
        if mode.kind == FLOOD:
            description = f"Too Many Requests: retry after {mode.retry_after}"
            self._record(method, params, 429, description, None)
            return self._error_response(429, description, {"retry_after": mode.retry_after})
        if mode.kind == OUTAGE:
            status = mode.statuses[(mode.hits - 1) % len(mode.statuses)]
            text = STATUS_TEXT.get(status, "Server Error")
            self._record(method, params, status, text, None)
            if status not in HTML_ERRORS:
                return self._error_response(status, text)
            page = (f"<html><head><title>{status} {text}</title></head><body><center><h1>"
                    f"{status} {text}</h1></center><hr><center>nginx</center></body></html>")
            return web.Response(status=status, text=page, content_type="text/html")
        applied = mode.applied and method != "getUpdates"
        if mode.kind == DROP:
            if applied:
                self._dispatch(method, params, answered=False)
            else:
                self._record(method, params, 0, "no answer: connection dropped", None, False)
            return await self._hang_up(request)
        answer = self._dispatch(method, params) if applied else None
        index = len(self.calls) - 1
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(mode.over.wait(), mode.held_for(time.monotonic()))
        except asyncio.CancelledError:  # the client gave up waiting and closed the connection
            if applied:
                self.calls[index] = dataclasses.replace(self.calls[index], answered=False)
            else:
                self._record(method, params, 0, "no answer: timed out", None, False)
            raise
        return None if answer is None else web.json_response(answer[1], status=answer[0])

    @staticmethod
    async def _hang_up(request: web.Request) -> web.StreamResponse:
        """Close the connection without an answer (the client sees it reset)."""
        if request.transport is not None:
            request.transport.abort()
        await asyncio.sleep(1.0)  # aiohttp cancels this handler once it sees the connection go
        return web.Response(status=502)  # reaches nobody

    def _take_fault(self, method: str) -> ApiError | None:
        faults = self._faults.get(method)
        if not faults:
            return None
        fault = faults[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            faults.pop(0)
        parameters = None if fault.retry_after is None else {"retry_after": fault.retry_after}
        return ApiError(fault.status, fault.description, parameters)
