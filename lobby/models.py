"""Players' lasting lobby records: display name, and a rating per game and mode."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lobby.rating import DEFAULT_RATING


class PlayerProfile(models.Model):
    """A player, keyed by ``guest:<id>`` or ``user:<id>``: the display name it plays under, and
    the account that signs in as it. A guest who signs up keeps its key (and so its ratings and
    matches); an account made without a guest is ``user:<id>``."""

    key = models.CharField(max_length=80, unique=True)
    name = models.CharField(max_length=16)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="player",
        help_text="the account that plays as this player; none for a guest",
    )
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
        # the leaderboard's order (best first, ties by who was rated first) and its rank counts
        indexes = [models.Index(fields=["game", "mode", "-rating", "id"], name="leaderboard_rank")]

    def __str__(self) -> str:
        return f"{self.player_key} {self.game}/{self.mode}: {self.rating:.0f}"
