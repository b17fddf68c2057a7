"""A redirect is never followed (#15): the Bot API's URLs carry the token, so following one
would hand it to whatever address the redirect names."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.channels.telegram.request import BotApiRequest
from bot.channels.zalo.client import ZaloClient, ZaloError
from tests.factories import TOKEN
from tests.fakes.zalo import ZALO_TOKEN


@pytest.fixture
async def servers() -> AsyncIterator[tuple[str, list[str]]]:
    """A server that redirects every call to a second one, which records what reaches it."""
    stolen: list[str] = []

    async def steal(request: web.Request) -> web.Response:
        stolen.append(request.path_qs)
        return web.json_response({"ok": True, "result": {}})

    thief = web.Application()
    thief.router.add_route("*", "/{tail:.*}", steal)
    thief_runner = web.AppRunner(thief)
    await thief_runner.setup()
    thief_site = web.TCPSite(thief_runner, "127.0.0.1", 0)
    await thief_site.start()
    elsewhere = f"http://127.0.0.1:{thief_runner.addresses[0][1]}"

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(elsewhere + request.path_qs)

    api = web.Application()
    api.router.add_route("*", "/{tail:.*}", redirect)
    api_runner = web.AppRunner(api)
    await api_runner.setup()
    await web.TCPSite(api_runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{api_runner.addresses[0][1]}", stolen
    finally:
        await api_runner.cleanup()
        await thief_runner.cleanup()


async def test_telegrams_transport_does_not_follow_a_redirect(
        servers: tuple[str, list[str]]) -> None:
    base, stolen = servers
    request = BotApiRequest()
    await request.initialize()
    try:
        status, _ = await request.post_json(f"{base}/bot{TOKEN}/sendMessage", b"{}")
    finally:
        await request.shutdown()
    assert status == 307 and stolen == []


async def test_zalos_client_does_not_follow_a_redirect(servers: tuple[str, list[str]]) -> None:
    base, stolen = servers
    client = ZaloClient(ZALO_TOKEN, base)
    try:
        with pytest.raises(ZaloError) as refused:
            await client.send_message("u1", "Xin chào")
    finally:
        await client.close()
    assert refused.value.status == 307 and stolen == []
    assert ZALO_TOKEN not in str(refused.value)
