"""Django app configuration for the game package."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def tune_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    """WAL and NORMAL sync for SQLite connections.

    WAL lets the web and engine processes read while one writes; NORMAL syncs at checkpoints
    instead of on every commit, so a burst of new matches does not queue on fsync.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")


class GameConfig(AppConfig):
    """The match-facing app: models, API and consumers."""

    name = "game"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        connection_created.connect(tune_sqlite, dispatch_uid="arena-tune-sqlite")
