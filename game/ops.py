"""Operations endpoints: ``/metrics`` (Prometheus text) and ``/ops/`` (live charts of it)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from game.metrics import scrape

OPS_FILE = settings.BASE_DIR / "static" / "ops.html"


@require_safe
async def metrics(request: HttpRequest) -> HttpResponse:
    """This process's and the live engines' figures in the Prometheus text format."""
    response = HttpResponse(await scrape(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def ops_page(request: HttpRequest) -> HttpResponse:
    """The live operations page; it polls ``/metrics`` of the process that served it."""
    return HttpResponse(OPS_FILE.read_bytes(), content_type="text/html; charset=utf-8")
