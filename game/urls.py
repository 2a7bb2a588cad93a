"""HTTP routes."""

from django.urls import path
from django.views.generic import RedirectView

from game import ops, views

handler404 = views.page_not_found
handler500 = views.server_error

urlpatterns = [
    path("", views.index, name="index"),
    path("favicon.ico", RedirectView.as_view(url="/static/favicon.svg", permanent=True)),
    path("api/matches/", views.matches, name="matches"),
    path("api/matches/live", views.live_matches, name="live-matches"),
    path("api/matches/<uuid:match_id>/", views.match_detail, name="match-detail"),
    path("api/matches/<uuid:match_id>/tickets/", views.tickets, name="match-tickets"),
    path("api/session/", views.session, name="session"),
    path("api/games/", views.game_list, name="games"),
    path("healthz", views.health, name="health"),
    path("metrics", ops.metrics, name="metrics"),
    path("ops/", ops.ops_page, name="ops"),
]
