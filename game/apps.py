"""Django app configuration for the game package."""

from django.apps import AppConfig


class GameConfig(AppConfig):
    """The match-facing app: models, API and consumers."""

    name = "game"
    default_auto_field = "django.db.models.BigAutoField"
