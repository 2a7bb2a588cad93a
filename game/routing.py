"""WebSocket routes."""

from django.urls import re_path

from game.consumers import MatchConsumer
from lobby.consumers import LobbyConsumer

websocket_urlpatterns = [
    re_path(r"^ws/match/(?P<match_id>[^/]+)/$", MatchConsumer.as_asgi()),
    re_path(r"^ws/lobby/$", LobbyConsumer.as_asgi()),
]
