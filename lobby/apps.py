"""Django app configuration for the lobby."""

from django.apps import AppConfig


class LobbyConfig(AppConfig):
    """Matchmaking: lobby socket, queues, ready checks, ratings."""

    name = "lobby"
    default_auto_field = "django.db.models.BigAutoField"
