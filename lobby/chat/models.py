"""Chat's lasting records: messages (the last of each channel; direct messages until an
operator deletes them), reports, mutes and bans, announcements."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from engine.protocol import MAX_CHAT_TEXT_BYTES
from lobby.chat.standing import Sanction, SanctionKind


class ChatMessage(models.Model):
    """One message of a channel (``topic``, ``lobby.chat.topics``) or between two players."""

    class Kind(models.TextChoices):
        LOBBY = "lobby", "lobby room"
        MATCH = "match", "match (all)"
        TEAM = "team", "match (team)"
        SPECTATORS = "spectators", "spectators"
        DIRECT = "direct", "direct message"
        PARTY = "party", "party"

    id = models.UUIDField(primary_key=True)
    topic = models.CharField(max_length=96)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    sender = models.ForeignKey(
        "lobby.PlayerProfile", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender_name = models.CharField(max_length=16)
    recipient = models.ForeignKey(
        "lobby.PlayerProfile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="direct messages only",
    )
    recipient_name = models.CharField(max_length=16, blank=True)
    text = models.CharField(max_length=MAX_CHAT_TEXT_BYTES)
    sent_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["topic", "-sent_at"], name="chat_history")]
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.sender_name}: {self.text[:40]}"


class ChatReport(models.Model):
    """A player reported a message: a copy of it and of the messages before it (``context``,
    CHAT_MESSAGE bodies, oldest first, the reported one last), kept even once they are gone."""

    message_id = models.UUIDField()
    topic = models.CharField(max_length=96)
    reporter = models.ForeignKey(
        "lobby.PlayerProfile", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported = models.ForeignKey(
        "lobby.PlayerProfile",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the sender of the reported message",
    )
    reported_name = models.CharField(max_length=16)
    text = models.CharField(max_length=MAX_CHAT_TEXT_BYTES)
    sent_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    context = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    handled = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"report of {self.reported_name}: {self.text[:40]}"


class ChatSanction(models.Model):
    """A mute (no chat) or a ban (no lobby, match or chat) of a player, until a time or for
    good (``until`` empty)."""

    class Kind(models.TextChoices):
        MUTE = SanctionKind.MUTE.value, "mute"
        BAN = SanctionKind.BAN.value, "ban"

    player = models.ForeignKey(
        "lobby.PlayerProfile", on_delete=models.CASCADE, related_name="chat_sanctions"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    until = models.DateTimeField(null=True, blank=True, help_text="empty: for good")
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["player", "kind"], name="chat_sanctions")]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} of {self.player_id}"

    def to_sanction(self) -> Sanction:
        """The pure sanction (``lobby.chat.standing``)."""
        until = None if self.until is None else self.until.timestamp()
        return Sanction(SanctionKind(self.kind), until, self.reason)


class Announcement(models.Model):
    """A message of the operators to every connected socket (of one game's, with ``game``)."""

    text = models.CharField(max_length=MAX_CHAT_TEXT_BYTES)
    game = models.CharField(max_length=32, blank=True, help_text="empty: every game")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:60]
