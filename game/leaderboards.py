"""Leaderboard pages, one per ranked mode of every game: 100 players a page, best first, with
the viewer's own rank; the same as JSON under ``/api/leaderboard/`` (docs/protocol.md 2)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from game.players import mode_titles
from lobby.identity import player_key_for
from lobby.leaderboard import PAGE_SIZE, LeaderboardPage, Position, leaderboard_page, position_of
from lobby.models import PlayerProfile
from lobby.store import split_queue
from lobby.wiring import mode_specs


def ranked_modes() -> list[tuple[str, str]]:
    """The (game, mode) pairs that have a leaderboard: those the lobby rates."""
    return [split_queue(queue) for queue in mode_specs()]


def _page_number(request: HttpRequest) -> int:
    """The ``page`` asked for (from 1); anything that is not a positive number is page 1."""
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def _leaderboard(
    request: HttpRequest, game: str, mode: str
) -> tuple[LeaderboardPage, Position | None]:
    """The page asked for and the viewer's own position (None when unrated in the mode)."""
    page = leaderboard_page(game, mode, _page_number(request))
    key = player_key_for(request.user, request.session)
    return page, position_of(key, game, mode) if key else None


@require_GET
def leaderboard_home(request: HttpRequest) -> HttpResponse:
    """The first game's first ranked mode."""
    modes = ranked_modes()
    if not modes:
        raise Http404("no ranked mode")
    return HttpResponseRedirect(reverse("leaderboard", args=modes[0]))


@require_GET
def leaderboard_view(request: HttpRequest, game: str, mode: str) -> HttpResponse:
    """One mode's leaderboard page, with links to every other mode's."""
    modes = ranked_modes()
    if (game, mode) not in modes:
        raise Http404("no leaderboard for that game and mode")
    page, you = _leaderboard(request, game, mode)
    titles = mode_titles()
    viewer = player_key_for(request.user, request.session)
    own_id = PlayerProfile.objects.filter(key=viewer).values_list("id", flat=True).first()
    context = {
        "game": game,
        "mode": mode,
        "game_title": titles[(game, mode)][0],
        "mode_title": titles[(game, mode)][1],
        "modes": [
            {
                "game": g,
                "mode": m,
                "title": " · ".join(titles[(g, m)]),
                "current": (g, m) == (game, mode),
            }
            for g, m in modes
        ],
        "page": page,
        "you": you,
        "own_id": own_id,
    }
    return render(request, "players/leaderboard.html", context)


@require_GET
def leaderboard_api(request: HttpRequest, game: str, mode: str) -> JsonResponse:
    """``GET /api/leaderboard/<game>/<mode>/?page=N``: a page of standings and ``you``."""
    if (game, mode) not in ranked_modes():
        return JsonResponse({"error": "no leaderboard for that game and mode"}, status=404)
    page, you = _leaderboard(request, game, mode)
    return JsonResponse(
        {
            "game": game,
            "mode": mode,
            "page": page.number,
            "pages": page.pages,
            "page_size": PAGE_SIZE,
            "total": page.total,
            "standings": [standing.to_api() for standing in page.standings],
            "you": you.to_api() if you else None,
        }
    )
