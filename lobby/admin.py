"""The Django admin for players and their ratings: search by name, key or account; filters by
game, mode and whether a player has an account."""

from __future__ import annotations

from django.contrib import admin

from lobby.models import PlayerProfile, Rating


@admin.register(PlayerProfile)
class PlayerProfileAdmin(admin.ModelAdmin):
    """Players: a guest, or an account's player (a guest who signed up keeps its key)."""

    list_display = ("name", "key", "user", "updated_at")
    list_filter = (("user", admin.EmptyFieldListFilter), "updated_at")
    search_fields = ("name", "key", "user__username", "user__email")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("key", "updated_at")
    ordering = ("-updated_at",)


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """A player's rating in one mode of one game (Elo), as the leaderboard ranks it."""

    list_display = ("player_key", "game", "mode", "rating", "games", "updated_at")
    list_filter = ("game", "mode", "updated_at")
    search_fields = ("=player_key", "player_key")
    readonly_fields = ("updated_at",)
    ordering = ("game", "mode", "-rating", "id")
