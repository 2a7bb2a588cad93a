"""HTTP routes."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from game import accounts, leaderboards, ops, players, replayapi, views

handler404 = views.page_not_found
handler500 = views.server_error

urlpatterns = [
    path("", views.index, name="index"),
    path("favicon.ico", RedirectView.as_view(url="/static/favicon.svg", permanent=True)),
    path("api/matches/", views.matches, name="matches"),
    path("api/matches/live", views.live_matches, name="live-matches"),
    path("api/matches/<uuid:match_id>/", views.match_detail, name="match-detail"),
    path("api/matches/<uuid:match_id>/tickets/", views.tickets, name="match-tickets"),
    path("api/matches/<uuid:match_id>/replay", replayapi.replay, name="match-replay"),
    path("replay/<uuid:match_id>", replayapi.replay_page, name="replay-page"),
    path("api/session/", views.session, name="session"),
    path("api/games/", views.game_list, name="games"),
    path("api/players/<int:player_id>/", players.profile_api, name="profile-api"),
    path(
        "api/leaderboard/<str:game>/<str:mode>/",
        leaderboards.leaderboard_api,
        name="leaderboard-api",
    ),
    path("accounts/signup/", accounts.SignupView.as_view(), name="signup"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("accounts/password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        accounts.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("players/me/", players.my_profile, name="my-profile"),
    path("players/<int:player_id>/", players.profile_page, name="profile"),
    path("matches/<uuid:match_id>/", players.match_page, name="match-page"),
    path("leaderboard/", leaderboards.leaderboard_home, name="leaderboard-home"),
    path("leaderboard/<str:game>/<str:mode>/", leaderboards.leaderboard_view, name="leaderboard"),
    path("admin/", admin.site.urls),
    path("healthz", views.health, name="health"),
    path("metrics", ops.metrics, name="metrics"),
    path("ops/", ops.ops_page, name="ops"),
]
