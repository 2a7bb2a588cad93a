"""Players' lasting lobby record: display name and rating."""

from __future__ import annotations

from django.db import models

from lobby.rating import DEFAULT_RATING


class PlayerProfile(models.Model):
    """A player's rating, kept across matches; keyed by ``user:<id>`` or ``guest:<id>``."""

    key = models.CharField(max_length=80, unique=True)
    name = models.CharField(max_length=16)
    rating = models.FloatField(default=DEFAULT_RATING)
    games = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.rating:.0f})"
