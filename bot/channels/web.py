"""The bot's one web server: the channels' webhooks, GET /healthz and the broadcast photos
(bot/channels/photos.py) (BOT_LISTEN, behind a reverse proxy with TLS: deploy/nginx.conf,
deploy/Caddyfile).

A webhook POST is answered 200 only once its update is handled and recorded (a crash before
that makes the platform deliver it again, and the core drops what it already handled); a
missing or wrong secret is answered 401 and nothing is read.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.storage.db import Database
from bot.storage.photos import StoredPhoto

log = logging.getLogger("bot.web")

MAX_BODY = 1024 * 1024  # bytes; an update is a few hundred
Handle = Callable[[Any], Awaitable[object]]


class WebServer:
    """Serves the webhooks of the channels that use one, and the health check."""

    def __init__(self, db: Database, host: str, port: int) -> None:
        self.db = db
        self.host, self.port = host, port
        self.checks: dict[str, Callable[[], float | None]] = {}  # channel -> last success
        self._app = web.Application(client_max_size=MAX_BODY)
        self._app.router.add_get("/healthz", self._health)
        self._runner: web.AppRunner | None = None

    def webhook(self, path: str, header: str, secret: str, handle: Handle) -> None:
        """Take a channel's updates POSTed at path: the secret header checked in constant
        time, then handle(the JSON body), then 200."""
        expected = secret.encode()

        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get(header, "").encode()
            if not hmac.compare_digest(given, expected):
                log.warning("webhook %s: a request without the right secret was refused", path)
                return web.json_response({"ok": False}, status=401)
            try:
                body = json.loads(await request.read())
            except ValueError:
                return web.json_response({"ok": False, "description": "not JSON"}, status=400)
            await handle(body)
            return web.json_response({"ok": True})

        self._app.router.add_post(path, receive)

    def photos(self, path: str, serve: Callable[[str], Awaitable[StoredPhoto | None]]) -> None:
        """Serve broadcast photos at path + token, for chat apps that fetch them by address."""

        async def photo(request: web.Request) -> web.Response:
            found = await serve(request.match_info["token"])
            if found is None:
                return web.Response(status=404)
            return web.Response(body=found.content, content_type=found.mime,
                                headers={"Cache-Control": "public, max-age=86400"})

        self._app.router.add_get(path + "{token}", photo)

    async def start(self) -> None:
        """Listen (the channels' routes are added before)."""
        self._runner = web.AppRunner(self._app, access_log=None)  # URLs may carry ids
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        log.info("web server listening on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening; requests under way finish first."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _health(self, _request: web.Request) -> web.Response:
        try:
            await self.db.fetchone("SELECT 1")
            database = "ok"
        except Exception as exc:  # any failure is "not healthy", said as such
            database = f"error: {type(exc).__name__}"
        channels = {name: _when(check()) for name, check in self.checks.items()}
        status = 200 if database == "ok" else 503
        return web.json_response({"database": database, "channels": channels,
                                  "time": datetime.now(UTC).isoformat(timespec="seconds")},
                                 status=status)


def _when(moment: float | None) -> dict[str, object]:
    if moment is None:
        return {"last_success": None}
    return {"last_success": datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds"),
            "seconds_ago": round(time.time() - moment)}
