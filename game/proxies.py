"""Forwarding headers believed only from trusted proxies (ARENA_TRUSTED_PROXIES).

Behind a reverse proxy every request comes from the proxy's address. The proxy says who the
client was in ``X-Forwarded-For`` and whether it spoke TLS in ``X-Forwarded-Proto``; anyone who
reaches the web process directly can send the same headers. Uvicorn's proxy-headers middleware
rewrites the ASGI scope's ``client`` and ``scheme`` from them only when the peer is one of the
configured proxies, taking the last address in ``X-Forwarded-For`` that is not a proxy's (a
client's own ``X-Forwarded-For`` comes first and is ignored). Everything after it (Django's
``request.is_secure()`` and ``REMOTE_ADDR``, the sockets' ``scope["client"]``) sees the client.

The web processes run uvicorn with ``--no-proxy-headers`` so that this setting, not uvicorn's
own default (127.0.0.1 from ``FORWARDED_ALLOW_IPS``), decides.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
from typing import Any

from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

logger = logging.getLogger(__name__)


def trusted_proxy_headers(application: Any, proxies: tuple[str, ...]) -> Any:
    """``application`` behind the forwarding headers of ``proxies`` (addresses or networks);
    with no proxy, the headers are never believed and ``application`` is returned as it is."""
    if not proxies:
        return application
    logger.debug("forwarding headers believed from %s", ", ".join(proxies))
    return ProxyHeadersMiddleware(application, trusted_hosts=list(proxies))


@functools.cache
def _networks(
    proxies: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def is_trusted_proxy(host: str | None, proxies: tuple[str, ...]) -> bool:
    """Whether the peer ``host`` is one of ``proxies`` (addresses and networks), whose
    forwarding headers are believed."""
    if not host or not proxies:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a Unix socket's peer, say
    return any(address in network for network in _networks(proxies))
