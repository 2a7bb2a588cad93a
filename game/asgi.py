"""ASGI entry point: HTTP through Django, match sockets through Channels, the engine by lifespan."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "game.settings")
django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from game.addresslimits import address_limits  # noqa: E402
from game.lifespan import ArenaLifespan  # noqa: E402
from game.lobbycap import lobby_socket_cap  # noqa: E402
from game.origin import browser_origin_validator  # noqa: E402
from game.proxies import trusted_proxy_headers  # noqa: E402
from game.routing import websocket_urlpatterns  # noqa: E402

# Outermost first: the client's address (game.proxies), the per-address limits on sockets
# (game.addresslimits), then each protocol; lobby sockets are capped per session (game.lobbycap).
application = trusted_proxy_headers(
    address_limits(
        ProtocolTypeRouter(
            {
                "http": django_http,
                "websocket": browser_origin_validator(
                    lobby_socket_cap(URLRouter(websocket_urlpatterns), settings.ARENA)
                ),
                "lifespan": ArenaLifespan(),
            }
        ),
        settings.ARENA,
    ),
    settings.ARENA.trusted_proxies,
)
