"""The Django admin for matches and their results: search by id, engine or player; filters by
game, mode, status, ranked and listed; each match shows its players' parts."""

from __future__ import annotations

from django.contrib import admin

from game.models import MatchPlayer, MatchRecord

admin.site.site_header = "Arena administration"
admin.site.site_title = "Arena admin"


class MatchPlayerInline(admin.TabularInline):
    """A finished match's players: place, team, the game's columns, the rating change."""

    model = MatchPlayer
    extra = 0
    fields = ("name", "player_key", "place", "team", "stats", "rating_before", "rating_after")
    readonly_fields = fields
    can_delete = False


@admin.register(MatchRecord)
class MatchRecordAdmin(admin.ModelAdmin):
    """Matches: their game and mode, status, owning engine and result."""

    list_display = ("id", "game", "mode", "status", "ranked", "listed", "created_at", "ended_at")
    list_filter = ("game", "mode", "status", "ranked", "listed", "created_at")
    search_fields = ("=id", "engine_id", "players__name", "players__player_key")
    date_hierarchy = "created_at"
    readonly_fields = ("id", "created_at", "seed")
    inlines = (MatchPlayerInline,)


@admin.register(MatchPlayer)
class MatchPlayerAdmin(admin.ModelAdmin):
    """Results: one player's part in one finished match."""

    list_display = ("name", "player_key", "match", "place", "team", "rating_before", "rating_after")
    list_filter = ("match__game", "match__mode", "place")
    search_fields = ("name", "=player_key", "=match__id")
    list_select_related = ("match",)
    raw_id_fields = ("match",)
