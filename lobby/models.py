"""Players' lasting lobby records: display name, and a rating per game and mode."""

from __future__ import annotations

from django.db import models

from lobby.rating import DEFAULT_RATING


class PlayerProfile(models.Model):
    """A player, keyed by ``user:<id>`` or ``guest:<id>``: the display name it plays under."""

    key = models.CharField(max_length=80, unique=True)
    name = models.CharField(max_length=16)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class Rating(models.Model):
    """A player's rating in one mode of one game, kept across matches (Elo)."""

    player_key = models.CharField(max_length=80)
    game = models.CharField(max_length=32)
    mode = models.CharField(max_length=16)
    rating = models.FloatField(default=DEFAULT_RATING)
    games = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["player_key", "game", "mode"], name="one_rating")
        ]
        indexes = [models.Index(fields=["game", "mode", "-rating"], name="leaderboard")]

    def __str__(self) -> str:
        return f"{self.player_key} {self.game}/{self.mode}: {self.rating:.0f}"
