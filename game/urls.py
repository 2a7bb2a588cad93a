"""HTTP routes."""

from django.urls import path

from game import views

urlpatterns = [
    path("", views.index, name="index"),
    path("api/matches/", views.matches, name="matches"),
    path("api/matches/<uuid:match_id>/", views.match_detail, name="match-detail"),
    path("api/matches/<uuid:match_id>/tickets/", views.tickets, name="match-tickets"),
    path("api/session/", views.session, name="session"),
    path("healthz", views.health, name="health"),
]
