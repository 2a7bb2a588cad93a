"""Chat in the Django admin: messages, reports, mutes and bans (search and filters), and
announcements sent to every connected socket."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from lobby.chat.broadcast import BroadcastFailed, announce
from lobby.chat.models import Announcement, ChatMessage, ChatReport, ChatSanction


def _sanction(players: list[int], kind: str, hours: float | None, reason: str, by: Any) -> int:
    """Give each player a sanction (signals tell their sockets); the number given."""
    until = None if hours is None else timezone.now() + datetime.timedelta(hours=hours)
    for player in dict.fromkeys(players):
        ChatSanction.objects.create(
            player_id=player, kind=kind, until=until, reason=reason, created_by=by
        )
    return len(set(players))


@admin.register(ChatMessage)
class ChatMessageAdmin(admin.ModelAdmin):
    """Stored messages: the last of each channel, and direct messages until deleted here."""

    list_display = ("sent_at", "kind", "sender_name", "recipient_name", "text", "topic")
    list_filter = ("kind", "sent_at")
    search_fields = ("text", "sender_name", "recipient_name", "topic", "sender__key")
    date_hierarchy = "sent_at"
    raw_id_fields = ("sender", "recipient")
    actions = ["mute_senders_for_an_hour", "ban_senders"]

    @admin.action(description="Mute the senders for an hour")
    def mute_senders_for_an_hour(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """Mute each selected message's sender for one hour."""
        senders = [s for s in queryset.values_list("sender_id", flat=True) if s is not None]
        count = _sanction(senders, ChatSanction.Kind.MUTE, 1, "muted by an operator", request.user)
        self.message_user(request, f"{count} player(s) muted for an hour")

    @admin.action(description="Ban the senders for good")
    def ban_senders(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """Ban each selected message's sender with no end."""
        senders = [s for s in queryset.values_list("sender_id", flat=True) if s is not None]
        count = _sanction(senders, ChatSanction.Kind.BAN, None, "banned for chat", request.user)
        self.message_user(request, f"{count} player(s) banned")


@admin.register(ChatReport)
class ChatReportAdmin(admin.ModelAdmin):
    """Players' reports, with the reported message and its context."""

    list_display = ("created_at", "reported_name", "text", "reason", "handled")
    list_filter = ("handled", "created_at")
    search_fields = ("text", "reported_name", "reason", "topic")
    readonly_fields = (
        "message_id",
        "topic",
        "reporter",
        "reported",
        "reported_name",
        "text",
        "sent_at",
        "reason",
        "context",
        "created_at",
    )
    actions = ["mark_handled", "mute_reported_for_a_day"]

    @admin.action(description="Mark as handled")
    def mark_handled(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """Mark the selected reports handled."""
        self.message_user(request, f"{queryset.update(handled=True)} report(s) handled")

    @admin.action(description="Mute the reported players for a day")
    def mute_reported_for_a_day(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """Mute each reported player for 24 hours and mark the reports handled."""
        players = [p for p in queryset.values_list("reported_id", flat=True) if p is not None]
        count = _sanction(players, ChatSanction.Kind.MUTE, 24, "reported in chat", request.user)
        queryset.update(handled=True)
        self.message_user(request, f"{count} player(s) muted for a day")


@admin.register(ChatSanction)
class ChatSanctionAdmin(admin.ModelAdmin):
    """Mutes and bans; saving or deleting one reaches the player's sockets at once."""

    list_display = ("player", "kind", "until", "reason", "created_at", "created_by")
    list_filter = ("kind", "created_at")
    search_fields = ("player__name", "player__key", "reason")
    raw_id_fields = ("player",)
    readonly_fields = ("created_by",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Record who gave the sanction."""
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    """Announcements: write one, then send it with the action."""

    list_display = ("created_at", "text", "game", "sent_at")
    search_fields = ("text",)
    list_filter = ("game",)
    readonly_fields = ("sent_at",)
    actions = ["send_announcements"]

    @admin.action(description="Send to every connected player and spectator")
    def send_announcements(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """Send each selected announcement to every connected socket (of its game's)."""
        sent = 0
        for item in queryset.order_by("created_at"):
            try:
                announce(item.text, item.game or None)
            except BroadcastFailed as exc:
                self.message_user(request, f"not sent: {exc}", messages.ERROR)
                return
            item.sent_at = timezone.now()
            item.save(update_fields=["sent_at"])
            sent += 1
        self.message_user(request, f"{sent} announcement(s) sent")
