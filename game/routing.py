"""WebSocket routes.

The lobby identifies players by their Django session, so it sits behind the session and auth
middleware. A match socket is identified by its signed ticket alone and carries 20 frames a
second: it skips that middleware, whose ``send`` wrapper inspects the session on every frame.
A spectator needs neither ticket nor session, and skips it too.
"""

from channels.auth import AuthMiddlewareStack
from django.urls import re_path

from game.consumers import MatchConsumer
from game.services import seated_match
from game.spectators import SpectatorConsumer
from lobby.consumers import LobbyConsumer

websocket_urlpatterns = [
    re_path(r"^ws/match/(?P<match_id>[^/]+)/$", MatchConsumer.as_asgi()),
    re_path(r"^ws/spectate/(?P<match_id>[^/]+)/$", SpectatorConsumer.as_asgi()),
    re_path(r"^ws/lobby/$", AuthMiddlewareStack(LobbyConsumer.as_asgi(seated_match=seated_match))),
]
