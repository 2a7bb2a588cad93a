"""HTTP endpoints: the game page and the match API (docs/protocol.md section 2)."""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from engine.registry import NoEngineAvailable
from game.engines import engine_registry
from game.models import Match
from game.services import InvalidMatchRequest, create_match, validate_match_request

INDEX_FILE = settings.BASE_DIR / "static" / "index.html"
OPEN_MATCH_LIMIT = 50


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The browser game."""
    return HttpResponse(INDEX_FILE.read_bytes(), content_type="text/html; charset=utf-8")


@csrf_exempt
async def matches(request: HttpRequest) -> JsonResponse:
    """GET lists open matches; POST creates one."""
    if request.method == "GET":
        rows = Match.objects.filter(status=Match.Status.OPEN)[:OPEN_MATCH_LIMIT]
        return JsonResponse({"matches": [match.to_api() async for match in rows]})
    if request.method != "POST":
        return _error(405, "use GET or POST")
    try:
        body = json.loads(request.body or b"{}")
    except json.JSONDecodeError:
        return _error(400, "the body must be JSON")
    if not isinstance(body, dict):
        return _error(400, "the body must be a JSON object")
    try:
        match_request = validate_match_request(body.get("mode"), body.get("max_players"))
    except InvalidMatchRequest as exc:
        return _error(400, str(exc))
    try:
        match = await create_match(match_request)
    except NoEngineAvailable as exc:
        return _error(503, str(exc))
    return JsonResponse(match.to_api(), status=201)


async def match_detail(request: HttpRequest, match_id: uuid.UUID) -> JsonResponse:
    """One match, with its result once it is over."""
    if request.method != "GET":
        return _error(405, "use GET")
    match = await Match.objects.filter(id=match_id).afirst()
    if match is None:
        return _error(404, "no such match")
    return JsonResponse(match.to_api())


async def health(request: HttpRequest) -> JsonResponse:
    """Liveness and the engine workers this process can see."""
    workers = await engine_registry().live_workers()
    status = 200 if workers else 503
    payload = {
        "status": "ok" if workers else "no engine",
        "engines": [{"id": w.worker_id, "matches": w.load} for w in workers],
    }
    return JsonResponse(payload, status=status)
