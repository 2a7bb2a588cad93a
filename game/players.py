"""Players' pages: a profile per player (display name, ratings per game and mode with their
ranks, recent matches with results) and a page per finished match; JSON of profiles under
``/api/players/`` (docs/protocol.md section 2)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from game.models import MatchPlayer, MatchRecord
from game.replays import replay_url
from game.store import UNRATED_REASONS
from lobby.identity import player_key_for
from lobby.leaderboard import Position, position_of
from lobby.models import PlayerProfile, Rating
from lobby.wiring import game_list

RECENT_MATCHES = 20


@dataclass(frozen=True, slots=True)
class Part:
    """One player's part in a match as a profile lists it."""

    match: MatchRecord
    place: int
    team: int | None
    outcome: str  # "won", "lost", "draw", "2nd of 8", or how the match ended unplayed
    rating_before: float | None
    rating_after: float | None
    opponents: list[str]

    @property
    def rating_change(self) -> int | None:
        """The rating points the match gave (or took)."""
        return rating_change(self.rating_before, self.rating_after)

    def to_api(self) -> dict[str, object]:
        """An entry of a profile's ``matches``."""
        return {
            "match_id": str(self.match.id),
            "game": self.match.game,
            "mode": self.match.mode,
            "ended_at": self.match.ended_at.isoformat() if self.match.ended_at else None,
            "ranked": self.match.ranked,
            "place": self.place,
            "team": self.team,
            "outcome": self.outcome,
            "rating_before": _rounded(self.rating_before),
            "rating_after": _rounded(self.rating_after),
            "opponents": self.opponents,
        }


def _rounded(value: float | None) -> int | None:
    return None if value is None else round(value)


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, 21st."""
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def outcome(place: int, team: int | None, others: list[tuple[int, int | None]]) -> str:
    """What a match was for one player, from its place and team and the others' (place, team):
    against one side ``won``, ``lost`` or ``draw``; against several, its place (``2nd of 8``)."""
    if team is None:
        sides = len(others) + 1
        opponents = [other for other, _ in others]
    else:
        sides = len({other_team for _, other_team in others} | {team})
        opponents = [other for other, other_team in others if other_team != team]
    if not opponents:
        return "played"
    if sides > 2:
        return f"{ordinal(place)} of {sides}"
    best = min(opponents)
    if place < best:
        return "won"
    return "draw" if place == best else "lost"


def rating_change(before: float | None, after: float | None) -> int | None:
    """The rating points a match gave (or took), rounded as players see ratings."""
    if before is None or after is None:
        return None
    return round(after) - round(before)


def recent_parts(player_key: str, limit: int = RECENT_MATCHES) -> list[Part]:
    """A player's latest finished matches, newest first, with the outcome of each."""
    mine = list(
        MatchPlayer.objects.filter(player_key=player_key)
        .select_related("match")
        .order_by(F("match__ended_at").desc(nulls_last=True), "-id")[:limit]
    )
    everyone: dict[uuid.UUID, list[MatchPlayer]] = {}
    for row in MatchPlayer.objects.filter(match_id__in=[part.match_id for part in mine]):
        everyone.setdefault(row.match_id, []).append(row)
    parts = []
    for row in mine:
        others = [other for other in everyone.get(row.match_id, []) if other.id != row.id]
        reason = (row.match.result or {}).get("reason")
        parts.append(
            Part(
                match=row.match,
                place=row.place,
                team=row.team,
                outcome=reason
                if reason in UNRATED_REASONS
                else outcome(row.place, row.team, [(o.place, o.team) for o in others]),
                rating_before=row.rating_before,
                rating_after=row.rating_after,
                opponents=[o.name for o in others if row.team is None or o.team != row.team],
            )
        )
    return parts


def mode_titles() -> dict[tuple[str, str], tuple[str, str]]:
    """``(game, mode) -> (game title, mode title)`` of every registered game."""
    return {
        (game, mode): (listed["title"], spec["title"])
        for game, listed in game_list().items()
        for mode, spec in listed["modes"].items()
    }


def player_ratings(player_key: str) -> list[dict[str, Any]]:
    """A player's ratings, by game and mode in the registry's order, with its rank in each."""
    titles = mode_titles()
    order = list(titles)
    rows = sorted(
        Rating.objects.filter(player_key=player_key),
        key=lambda r: order.index((r.game, r.mode)) if (r.game, r.mode) in titles else len(order),
    )
    ratings = []
    for rating in rows:
        position: Position | None = position_of(player_key, rating.game, rating.mode)
        game_title, mode_title = titles.get((rating.game, rating.mode), (rating.game, rating.mode))
        ratings.append(
            {
                "game": rating.game,
                "mode": rating.mode,
                "game_title": game_title,
                "mode_title": mode_title,
                "rating": round(rating.rating),
                "games": rating.games,
                "rank": position.rank if position else None,
                "page": position.page if position else None,
            }
        )
    return ratings


def _profile_or_404(player_id: int) -> PlayerProfile:
    profile = PlayerProfile.objects.filter(pk=player_id).first()
    if profile is None:
        raise Http404("no such player")
    return profile


def _is_own(request: HttpRequest, profile: PlayerProfile) -> bool:
    return player_key_for(request.user, request.session) == profile.key


@require_GET
def profile_page(request: HttpRequest, player_id: int) -> HttpResponse:
    """A player's profile: name, ratings with ranks, recent matches (links to each)."""
    profile = _profile_or_404(player_id)
    titles = mode_titles()
    parts = recent_parts(profile.key)
    context = {
        "profile": profile,
        "own": _is_own(request, profile),
        "has_account": profile.user_id is not None,
        "ratings": player_ratings(profile.key),
        "parts": [
            (
                part,
                titles.get((part.match.game, part.match.mode), (part.match.game, part.match.mode)),
            )
            for part in parts
        ],
    }
    return render(request, "players/profile.html", context)


@require_GET
def my_profile(request: HttpRequest) -> HttpResponse:
    """The visitor's own profile (a guest's too); the lobby first for a visitor never seen."""
    key = player_key_for(request.user, request.session)
    player_id = PlayerProfile.objects.filter(key=key).values_list("id", flat=True).first()
    if player_id is None:
        return HttpResponseRedirect("/")
    return HttpResponseRedirect(reverse("profile", args=[player_id]))


@require_GET
def profile_api(request: HttpRequest, player_id: int) -> JsonResponse:
    """``GET /api/players/<id>/``: a player's name, ratings with ranks and recent matches."""
    profile = PlayerProfile.objects.filter(pk=player_id).first()
    if profile is None:
        return JsonResponse({"error": "no such player"}, status=404)
    return JsonResponse(
        {
            "id": profile.pk,
            "name": profile.name,
            "account": profile.user_id is not None,
            "ratings": [
                {key: rating[key] for key in ("game", "mode", "rating", "games", "rank")}
                for rating in player_ratings(profile.key)
            ],
            "matches": [part.to_api() for part in recent_parts(profile.key)],
        }
    )


@require_GET
def match_page(request: HttpRequest, match_id: uuid.UUID) -> HttpResponse:
    """A match: its game and mode, when it ended and its standings with rating changes."""
    match = MatchRecord.objects.filter(id=match_id).first()
    if match is None:
        raise Http404("no such match")
    rows = list(match.players.all())
    profiles = dict(
        PlayerProfile.objects.filter(key__in=[row.player_key for row in rows]).values_list(
            "key", "id"
        )
    )
    viewer = player_key_for(request.user, request.session)
    game_title, mode_title = mode_titles().get((match.game, match.mode), (match.game, match.mode))
    standings = [
        {
            "row": row,
            "player_id": profiles.get(row.player_key),
            "own": row.player_key == viewer,
            "change": rating_change(row.rating_before, row.rating_after),
        }
        for row in rows
    ]
    context = {
        "match": match,
        "game_title": game_title,
        "mode_title": mode_title,
        "reason": (match.result or {}).get("reason"),
        "standings": standings,
        "columns": list((match.result or {}).get("columns") or []),
        "replay_url": replay_url(match, viewer),
    }
    return render(request, "players/match.html", context)
