"""WebSocket routes.

The lobby identifies players by their Django session, so it sits behind the session and auth
middleware. A match socket is identified by its signed ticket alone and carries 20 frames a
second: it skips that middleware, whose ``send`` wrapper inspects the session on every frame.
A spectator needs neither ticket nor session to watch; its socket carries the session (read
lazily: no database work unless the spectator chats) so that its chat messages have a sender.
Snapshots skip the session's ``send`` wrapper through the web server's direct writer.
"""

from channels.auth import AuthMiddlewareStack
from channels.sessions import SessionMiddlewareStack
from django.urls import re_path

from game.consumers import MatchConsumer
from game.services import seated_match
from game.spectators import SpectatorConsumer
from game.wsprotocol import FRAME_WRITER
from lobby.consumers import LobbyConsumer

websocket_urlpatterns = [
    re_path(r"^ws/match/(?P<match_id>[^/]+)/$", MatchConsumer.as_asgi()),
    re_path(
        r"^ws/spectate/(?P<match_id>[^/]+)/$", SessionMiddlewareStack(SpectatorConsumer.as_asgi())
    ),
    re_path(
        r"^ws/lobby/$",
        AuthMiddlewareStack(
            LobbyConsumer.as_asgi(seated_match=seated_match, frame_writer=FRAME_WRITER)
        ),
    ),
]
