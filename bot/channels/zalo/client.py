"""A small async client of the Zalo Bot Platform: JSON over POST to `<api>/bot<TOKEN>/<method>`.

The token is in every URL's path, so no URL, and no exception that might quote one, ever leaves
this module: errors are re-raised as ZaloError with the token replaced (`bot<redacted>`).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import aiohttp

log = logging.getLogger("bot.zalo.api")

REDACTED = "<redacted>"


class ZaloError(Exception):
    """A call that failed: the platform's refusal (status and description) or the network's."""

    def __init__(self, method: str, status: int | None, description: str) -> None:
        super().__init__(f"{method}: {status or 'network'}: {description}")
        self.method = method
        self.status = status  # HTTP status or the answer's error_code; None: no answer
        self.description = description


class ZaloClient:
    """One aiohttp session to the Zalo Bot API; each call returns the answer's "result"."""

    def __init__(self, token: str, api_url: str, timeout: float = 10.0,
                 pool_size: int = 64) -> None:
        self._token = token
        self._base = f"{api_url.rstrip('/')}/bot{token}/"
        self._timeout = timeout
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None
        self.last_success: float | None = None  # time.time() of the last call that worked

    def redact(self, text: str) -> str:
        """Text with the token taken out (an exception's message may quote the URL)."""
        return text.replace(self._token, REDACTED)

    async def open(self) -> aiohttp.ClientSession:
        """The session, opened if needed."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def close(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def call(self, method: str, payload: dict[str, Any] | None = None,
                   seconds: float | None = None) -> Any:
        """Call method with a JSON body; its result, or ZaloError."""
        session = await self.open()
        limit = aiohttp.ClientTimeout(total=seconds or self._timeout)
        try:
            # A redirect is not followed: it would carry the token to another address.
            async with session.post(self._base + method, json=payload or {}, timeout=limit,
                                    allow_redirects=False) as response:
                status = response.status
                body = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            detail = self.redact(str(exc)) or type(exc).__name__
            raise ZaloError(method, None, detail) from None
        answer = _json(body)
        if status == 200 and answer.get("ok") is True:
            self.last_success = time.time()
            return answer.get("result")
        code = answer.get("error_code")
        description = answer.get("description")
        raise ZaloError(method, code if isinstance(code, int) else status,
                        self.redact(str(description)) if description else f"HTTP {status}")

    async def get_me(self) -> dict[str, Any]:
        """The bot's own account."""
        result = await self.call("getMe")
        return result if isinstance(result, dict) else {}

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        """Send a text (1 to 2,000 characters)."""
        result = await self.call("sendMessage", {"chat_id": chat_id, "text": text})
        return result if isinstance(result, dict) else {}

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = ""
                         ) -> dict[str, Any]:
        """Send a photo by its public URL, with a caption."""
        payload = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            payload["caption"] = caption
        result = await self.call("sendPhoto", payload)
        return result if isinstance(result, dict) else {}

    async def get_update(self, wait: float) -> dict[str, Any] | None:
        """The next update (the platform hands out one a call), or None when none came in
        wait seconds (HTTP 408)."""
        try:
            result = await self.call("getUpdates", {"timeout": str(int(wait))},
                                     seconds=wait + 10)
        except ZaloError as exc:
            if exc.status == 408:
                self.last_success = time.time()
                return None
            raise
        return result if isinstance(result, dict) else None

    async def set_webhook(self, url: str, secret: str) -> None:
        """Have updates POSTed to url with the secret header (polling stops working)."""
        await self.call("setWebhook", {"url": url, "secret_token": secret})

    async def delete_webhook(self) -> None:
        """Stop webhook deliveries, so that getUpdates works."""
        await self.call("deleteWebhook")


def _json(body: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(body)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}
