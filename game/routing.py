"""WebSocket routes."""

from django.urls import re_path

from game.consumers import MatchConsumer

websocket_urlpatterns = [
    re_path(r"^ws/match/(?P<match_id>[^/]+)/$", MatchConsumer.as_asgi()),
]
