"""HTTP endpoints: the game page and the match API (docs/protocol.md section 2)."""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from engine.registry import NoEngineAvailable
from game.engines import engine_registry, games
from game.models import MatchRecord
from game.services import InvalidMatchRequest, create_match, validate_match_request
from lobby.identity import ensure_guest, player_key_for
from lobby.models import PlayerProfile, Rating
from lobby.names import InvalidName, clean_display_name
from lobby.rating import DEFAULT_RATING
from lobby.tickets import issue_ticket
from lobby.wiring import game_list as lobby_game_list

INDEX_FILE = settings.BASE_DIR / "static" / "index.html"
API_PREFIX = "/api/"
OPEN_MATCH_LIMIT = 50
LIVE_MATCH_LIMIT = 50
LIVE_MATCH_KEYS = (
    "id",
    "game",
    "mode",
    "phase",
    "elapsed_ms",
    "players",
    "spectators",
    "max_spectators",
)


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _json_body(request: HttpRequest) -> dict[str, object] | JsonResponse:
    """The request's JSON object, or the error response to send instead."""
    if request.content_type != "application/json":
        return _error(415, "send JSON with Content-Type: application/json")
    try:
        body = json.loads(request.body or b"{}")
    except json.JSONDecodeError:
        return _error(400, "the body must be JSON")
    if not isinstance(body, dict):
        return _error(400, "the body must be a JSON object")
    return body


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A POST without a valid CSRF token (``CSRF_FAILURE_VIEW``): JSON for the API, Django's own
    page for the account forms."""
    if not request.path.startswith(API_PREFIX):
        return django_csrf_failure(request, reason)
    return _error(
        403,
        "CSRF check failed: send the csrftoken cookie's value in an X-CSRFToken header "
        "(GET /api/session/ sets the cookie)",
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: JSON for the API, else the styled page that leads back to the lobby."""
    if request.path.startswith(API_PREFIX):
        return _error(404, "not found")
    body = loader.render_to_string("404.html", {"path": request.path}, request)
    return HttpResponse(body, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: JSON for the API, else the styled page (rendered without a context, as
    little as possible can fail while it renders)."""
    if request.path.startswith(API_PREFIX):
        return _error(500, "the server hit an unexpected error")
    return HttpResponse(loader.get_template("500.html").render(), status=500)


@require_GET
@ensure_csrf_cookie
def index(request: HttpRequest) -> HttpResponse:
    """The browser game; gives a new visitor a guest session."""
    ensure_guest(request.session)
    return HttpResponse(INDEX_FILE.read_bytes(), content_type="text/html; charset=utf-8")


@require_GET
@ensure_csrf_cookie
def session(request: HttpRequest) -> JsonResponse:
    """Who the caller is; gives a new caller a guest session."""
    ensure_guest(request.session)
    key = player_key_for(request.user, request.session)
    profile = PlayerProfile.objects.filter(key=key).first()
    ratings: dict[str, dict[str, int]] = {}
    for rating in Rating.objects.filter(player_key=key):
        ratings.setdefault(rating.game, {})[rating.mode] = round(rating.rating)
    return JsonResponse(
        {
            "name": profile.name if profile else None,
            "player_id": profile.pk if profile else None,
            "ratings": ratings,
            "default_rating": round(DEFAULT_RATING),
            "signed_in": request.user.is_authenticated,
            "username": request.user.get_username() if request.user.is_authenticated else None,
        }
    )


@require_GET
def game_list(request: HttpRequest) -> JsonResponse:
    """The games this server offers, their modes, and each game's schema (docs/protocol.md 2)."""
    offered = games()
    listed = lobby_game_list()
    return JsonResponse(
        {
            "games": [
                {"name": name, **listed[name], "schema": game.wire_schema}
                for name, game in offered.items()
            ]
        }
    )


def tickets(request: HttpRequest, match_id: uuid.UUID) -> JsonResponse:
    """POST: a seat ticket for a match created with the API (shared by link)."""
    if request.method != "POST":
        return _error(405, "use POST")
    body = _json_body(request)
    if isinstance(body, JsonResponse):
        return body
    key = player_key_for(request.user, request.session)
    if key is None:
        return _error(403, "no session: GET /api/session/ first")
    try:
        name = clean_display_name(body.get("name"))  # type: ignore[arg-type]
    except InvalidName as exc:
        return _error(400, str(exc))
    match = MatchRecord.objects.filter(id=match_id).first()
    if match is None:
        return _error(404, "no such match")
    if match.status == MatchRecord.Status.OVER:
        return _error(409, "match is over")
    if match.ranked and key not in match.seats:
        return _error(403, "this lobby match is not yours: only its players get tickets")
    return JsonResponse(
        {
            "ticket": issue_ticket(str(match.id), key, name),
            "ws_path": match.ws_path,
            "ws_url": match.ws_url,
            "expires_in_ms": int(settings.ARENA.ticket_ttl * 1000),
        },
        status=201,
    )


async def matches(request: HttpRequest) -> JsonResponse:
    """GET lists the listed private matches with a free seat; POST creates one."""
    if request.method == "GET":
        return JsonResponse({"matches": await _open_matches()})
    if request.method != "POST":
        return _error(405, "use GET or POST")
    body = _json_body(request)
    if isinstance(body, JsonResponse):
        return body
    try:
        match_request = validate_match_request(
            body.get("game"), body.get("mode"), body.get("max_players"), body.get("listed", False)
        )
    except InvalidMatchRequest as exc:
        return _error(400, str(exc))
    try:
        match = await create_match(match_request)
    except NoEngineAvailable as exc:
        return _error(503, str(exc))
    return JsonResponse(match.to_api(), status=201)


async def _open_matches() -> list[dict[str, object]]:
    """The listed private matches that are not over and have a free seat, newest first.

    The seats taken are those the engines announce (``live_matches``); a match no engine
    announces yet (just created) has every seat free.
    """
    taken = {m["id"]: len(m["players"]) for m in await engine_registry().live_matches()}
    rows = MatchRecord.objects.filter(status=MatchRecord.Status.OPEN, listed=True)
    found: list[dict[str, object]] = []
    async for match in rows[: OPEN_MATCH_LIMIT * 4]:
        players = taken.get(str(match.id), 0)
        if players < match.max_players:
            found.append({**match.to_api(), "players": players})
        if len(found) == OPEN_MATCH_LIMIT:
            break
    return found


async def match_detail(request: HttpRequest, match_id: uuid.UUID) -> JsonResponse:
    """One match, with its result once it is over."""
    if request.method != "GET":
        return _error(405, "use GET")
    match = await MatchRecord.objects.filter(id=match_id).afirst()
    if match is None:
        return _error(404, "no such match")
    return JsonResponse(match.to_api())


async def live_matches(request: HttpRequest) -> JsonResponse:
    """GET: the matches being played on live engines, to watch; most players first, then newest.

    Each engine announces a summary of its matches with its heartbeat (once a second), so this
    reads the registry and asks no engine: every web process answers the same.
    """
    if request.method != "GET":
        return _error(405, "use GET")
    summaries = await engine_registry().live_matches()
    summaries.sort(key=lambda m: (-len(m["players"]), -m.get("created_ms", 0), m["id"]))
    return JsonResponse(
        {
            "matches": [
                {
                    **{key: summary[key] for key in LIVE_MATCH_KEYS},
                    "watch_path": f"/ws/spectate/{summary['id']}/",
                }
                for summary in summaries[:LIVE_MATCH_LIMIT]
            ]
        }
    )


async def health(request: HttpRequest) -> JsonResponse:
    """Liveness and the engine workers this process can see."""
    workers = await engine_registry().live_workers()
    status = 200 if workers else 503
    payload = {
        "status": "ok" if workers else "no engine",
        "engines": [{"id": w.worker_id, "matches": w.load, "ticks": w.stats} for w in workers],
    }
    return JsonResponse(payload, status=status)
