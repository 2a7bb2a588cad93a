"""Operations endpoints: ``/metrics`` (Prometheus text) and ``/ops/`` (live charts of it).

Both are for operators: a staff session (Django's admin login) or, for a scraper such as
Prometheus, ``Authorization: Bearer <ARENA_METRICS_TOKEN>``. Anyone else gets 401 (``/metrics``)
or is sent to the admin login (``/ops/``, a page for people); a signed-in player who is not
staff gets 403.
"""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from game.metrics import scrape

OPS_FILE = settings.BASE_DIR / "static" / "ops.html"
ADMIN_LOGIN = "/admin/login/"
BEARER = "bearer "

logger = logging.getLogger(__name__)


def has_metrics_token(request: HttpRequest) -> bool:
    """True if the request carries the configured bearer token (none configured: False)."""
    token = settings.ARENA.metrics_token
    header = request.headers.get("Authorization", "")
    if not token or not header.lower().startswith(BEARER):
        return False
    return hmac.compare_digest(header[len(BEARER) :].strip().encode(), token.encode())


async def is_operator(request: HttpRequest) -> bool:
    """True for the metrics token or an active staff user's session."""
    if has_metrics_token(request):
        return True
    user = await request.auser()
    return bool(user.is_active and user.is_staff)


def _refused(request: HttpRequest, status: int = 401) -> HttpResponse:
    """401 (naming the scheme a scraper must use), or 403 for a user who is not staff."""
    logger.info("refused %s %s: no staff session or token", request.path, status)
    response = HttpResponse(
        "staff login or Authorization: Bearer <ARENA_METRICS_TOKEN> required\n",
        status=status,
        content_type="text/plain; charset=utf-8",
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="arena-metrics"'
    return response


@require_safe
async def metrics(request: HttpRequest) -> HttpResponse:
    """This process's and the live engines' figures in the Prometheus text format."""
    if not await is_operator(request):
        return _refused(request)
    response = HttpResponse(await scrape(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
async def ops_page(request: HttpRequest) -> HttpResponse:
    """The live operations page; it polls ``/metrics`` of the process that served it."""
    if not await is_operator(request):
        user = await request.auser()
        if user.is_authenticated:  # signed in, but not staff
            return _refused(request, 403)
        return redirect_to_login(request.get_full_path(), ADMIN_LOGIN)
    return HttpResponse(OPS_FILE.read_bytes(), content_type="text/html; charset=utf-8")
