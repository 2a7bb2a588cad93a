"""WebSocket origin check: browsers must come from an allowed host; other clients send none."""

from __future__ import annotations

from typing import Any
from urllib.parse import ParseResult

from channels.security.websocket import OriginValidator
from django.conf import settings


class BrowserOriginValidator(OriginValidator):
    """Refuses cross-site browser sockets; a client without an Origin header is not a browser.

    The check protects players' browsers from other sites opening sockets in their name. A
    non-browser client can send any Origin it likes, so requiring one would add no security.
    """

    def valid_origin(self, parsed_origin: ParseResult | None) -> bool:
        """Accept a missing Origin; otherwise apply the allowed-hosts patterns."""
        if parsed_origin is None:
            return True
        return super().valid_origin(parsed_origin)


def browser_origin_validator(application: Any) -> BrowserOriginValidator:
    """Wrap an ASGI app with the origin check against ALLOWED_HOSTS."""
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG:
        allowed += ["localhost", "127.0.0.1", "[::1]"]
    return BrowserOriginValidator(application, allowed)
