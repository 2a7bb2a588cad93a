"""``GET /api/matches/<id>/replay``: a finished match's replay stream (docs/protocol.md 11),
with byte ranges for seeking; a private match's replay is for its players only."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from channels.db import database_sync_to_async
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)

from game.models import MatchRecord, Replay
from game.ranges import RangeNotSatisfiable, byte_range
from game.replays import ReplayBody, may_watch, replay_body
from lobby.identity import player_key_for

CONTENT_TYPE = "application/vnd.arena.replay"


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _find(request: HttpRequest, match_id: uuid.UUID) -> ReplayBody | JsonResponse:
    """The replay the caller may watch, or the error to answer with (blocking)."""
    match = MatchRecord.objects.filter(id=match_id).first()
    if match is None:
        return _error(404, "no such match")
    replay = Replay.objects.filter(match=match).first()
    if replay is None:  # before its players are known: a private match's are, once it is over
        return _error(404, "this match has no replay (not over, not recorded, or removed)")
    if not may_watch(match, player_key_for(request.user, request.session)):
        return _error(403, "this private match's replay is for its players only")
    return replay_body(replay, match)


async def replay(request: HttpRequest, match_id: uuid.UUID) -> HttpResponse:
    """GET or HEAD: the replay stream, whole (200) or the byte range asked for (206)."""
    if request.method not in ("GET", "HEAD"):
        return _error(405, "use GET")
    found = await database_sync_to_async(_find)(request, match_id)
    if isinstance(found, JsonResponse):
        return found
    size = found.size
    try:
        asked = byte_range(request.headers.get("Range"), size)
    except RangeNotSatisfiable:
        response = _error(416, f"the replay has {size} bytes")
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, end = asked if asked is not None else (0, size - 1)
    body = found.stream(start, end) if request.method == "GET" else _nothing()
    response = StreamingHttpResponse(body, content_type=CONTENT_TYPE, status=206 if asked else 200)
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = f'"{found.match_id}-{size}"'
    response["Content-Disposition"] = f'inline; filename="{found.match_id}.arenareplay"'
    if asked is not None:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


def replay_page(request: HttpRequest, match_id: uuid.UUID) -> HttpResponse:
    """``/replay/<id>``, the link to share: the page's replay viewer (``/#replay/<id>``)."""
    return HttpResponseRedirect(f"/#replay/{match_id}")


async def _nothing() -> AsyncIterator[bytes]:
    """The empty body of a HEAD answer."""
    for chunk in ():
        yield chunk
