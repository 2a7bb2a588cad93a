"""The database record of a match: its game and mode, its owning engine and its result."""

from __future__ import annotations

import uuid

from django.db import models


class MatchRecord(models.Model):
    """A match created through the API or the lobby; the engine that owns it plays it."""

    class Status(models.TextChoices):
        OPEN = "open"
        OVER = "over"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    game = models.CharField(max_length=32, default="shooter", help_text="a registered game")
    mode = models.CharField(max_length=16, help_text="one of the game's modes")
    max_players = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    engine_id = models.CharField(max_length=64)
    engine_channel = models.CharField(max_length=200)
    # the base URL of the web process that hosts the match (hosted shape); "" for any
    route = models.CharField(max_length=300, blank=True, default="")
    seed = models.BigIntegerField(default=0, help_text="the simulation seed, for replays")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    ranked = models.BooleanField(default=False, help_text="formed by the lobby; changes ratings")
    seats = models.JSONField(
        default=list, blank=True, help_text="a lobby match's players (keys): only they get tickets"
    )
    listed = models.BooleanField(
        default=False, help_text="a private match anyone may join from the open list"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["listed", "status", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.game} {self.mode} match {self.id} ({self.status})"

    @property
    def ws_path(self) -> str:
        """The WebSocket path players connect to."""
        return f"/ws/match/{self.id}/"

    @property
    def ws_url(self) -> str | None:
        """The WebSocket URL players connect to when one web process hosts the match; None:
        ``ws_path`` on any web process."""
        if not self.route:
            return None
        scheme, _, rest = self.route.partition("://")
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}{self.ws_path}"

    def to_api(self) -> dict[str, object]:
        """The match object of the HTTP API (docs/protocol.md section 2)."""
        return {
            "id": str(self.id),
            "game": self.game,
            "mode": self.mode,
            "max_players": self.max_players,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "ws_path": self.ws_path,
            "ws_url": self.ws_url,
            "listed": self.listed,
            "ranked": self.ranked,
            "result": self.result,
        }


class MatchPlayer(models.Model):
    """One player's part in a finished match: its place, team, the game's columns (``stats``,
    as the roster names them) and the rating change it caused."""

    match = models.ForeignKey(MatchRecord, on_delete=models.CASCADE, related_name="players")
    player_key = models.CharField(max_length=80, db_index=True)
    name = models.CharField(max_length=16)
    place = models.PositiveSmallIntegerField(default=1, help_text="1 is best; equals share")
    team = models.PositiveSmallIntegerField(null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True, help_text="the game's roster columns")
    rating_before = models.FloatField(null=True, blank=True)
    rating_after = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["place", "id"]

    def __str__(self) -> str:
        return f"{self.name} in {self.match_id}"


class Replay(models.Model):
    """The recording of a match: its segments in the replay folder, their ticks and sizes, the
    gaps a takeover left, and its game's schema (docs/protocol.md section 11)."""

    match = models.OneToOneField(
        MatchRecord, primary_key=True, on_delete=models.CASCADE, related_name="replay"
    )
    tick_rate = models.PositiveSmallIntegerField()
    first_tick = models.PositiveIntegerField()
    last_tick = models.PositiveIntegerField()
    size = models.BigIntegerField(help_text="bytes of every segment")
    segments = models.JSONField(help_text="[file name, first tick, last tick, bytes], in order")
    gaps = models.JSONField(default=list, blank=True, help_text="[last tick, resumed at] pairs")
    schema = models.JSONField(help_text="the game's wire schema when it was recorded")
    info = models.JSONField(
        default=dict, blank=True, help_text="the match as SPECTATING describes it (its rules)"
    )
    recorded_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"replay of {self.match_id} ({self.size} bytes)"
