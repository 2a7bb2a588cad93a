"""Forwarding headers are believed from the configured proxies only (ARENA_TRUSTED_PROXIES)."""

from __future__ import annotations

from typing import Any

import pytest

from game.config import DEFAULT_TRUSTED_PROXIES, ConfigError, load_config
from game.proxies import trusted_proxy_headers

pytestmark = pytest.mark.timeout(10)

PROXY = "10.10.1.10"
CLIENT = "203.0.113.7"


async def seen_scope(proxies: tuple[str, ...], peer: str, kind: str = "http", **headers: str):
    """The scope the application behind the middleware gets for one request from ``peer``."""
    seen: dict[str, Any] = {}

    async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.update(scope)

    scope = {
        "type": kind,
        "scheme": "ws" if kind == "websocket" else "http",
        "client": (peer, 40000),
        "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
    }
    await trusted_proxy_headers(application, proxies)(scope, None, None)
    return seen


async def test_a_trusted_proxy_names_the_client_and_the_scheme() -> None:
    scope = await seen_scope(
        ("10.10.1.0/24",), PROXY, x_forwarded_for=CLIENT, x_forwarded_proto="https"
    )
    assert scope["client"][0] == CLIENT
    assert scope["scheme"] == "https"


async def test_a_peer_that_is_no_proxy_is_not_believed() -> None:
    scope = await seen_scope(
        (PROXY,), "10.10.1.99", x_forwarded_for="198.51.100.1", x_forwarded_proto="https"
    )
    assert scope["client"] == ("10.10.1.99", 40000)
    assert scope["scheme"] == "http"


async def test_a_client_s_own_x_forwarded_for_is_passed_over() -> None:
    # the client wrote "198.51.100.1"; the proxy appended the address it saw
    scope = await seen_scope((PROXY,), PROXY, x_forwarded_for=f"198.51.100.1, {CLIENT}")
    assert scope["client"][0] == CLIENT


async def test_a_socket_behind_a_tls_proxy_is_wss() -> None:
    scope = await seen_scope((PROXY,), PROXY, "websocket", x_forwarded_proto="https")
    assert scope["scheme"] == "wss"


async def test_with_no_trusted_proxy_even_loopback_is_not_believed() -> None:
    scope = await seen_scope((), "127.0.0.1", x_forwarded_for=CLIENT, x_forwarded_proto="https")
    assert scope["client"] == ("127.0.0.1", 40000)
    assert scope["scheme"] == "http"


def test_by_default_only_a_proxy_on_the_same_host_is_trusted() -> None:
    assert load_config({}).trusted_proxies == DEFAULT_TRUSTED_PROXIES


def test_addresses_and_networks_are_read_and_none_trusts_no_one() -> None:
    config = load_config({"ARENA_TRUSTED_PROXIES": "10.10.1.10, 10.20.0.0/16,fd00::1"})
    assert config.trusted_proxies == ("10.10.1.10/32", "10.20.0.0/16", "fd00::1/128")
    assert load_config({"ARENA_TRUSTED_PROXIES": "none"}).trusted_proxies == ()


def test_a_host_name_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="'proxy.internal' is not an IP address or network"):
        load_config({"ARENA_TRUSTED_PROXIES": "10.0.0.1,proxy.internal"})
