"""/metrics and /ops/ are for operators: a staff session or the bearer token from
ARENA_METRICS_TOKEN; everyone else is refused (401, the admin login, or 403)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import AsyncClient

from game.config import ConfigError, load_config
from tests.game.test_metrics import bearer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(20)]

TOKEN = "a-long-random-metrics-token"


@pytest.fixture(autouse=True)
def token(arena_settings: Any) -> None:
    arena_settings(metrics_token=TOKEN)


async def signed_in(*, staff: bool) -> AsyncClient:
    client = AsyncClient()
    user = await User.objects.acreate_user("op" if staff else "ada", password="x" * 20)
    if staff:
        user.is_staff = True
        await user.asave()
    await client.aforce_login(user)
    return client


async def test_metrics_without_credentials_is_401_naming_the_bearer_scheme() -> None:
    for headers in ({}, bearer("wrong-token-of-some-length"), {"Authorization": TOKEN}):
        response = await AsyncClient().get("/metrics", headers=headers)
        assert response.status_code == 401, headers
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert b"arena_" not in response.content


async def test_metrics_with_the_token_or_a_staff_session() -> None:
    with_token = await AsyncClient().get("/metrics", headers=bearer(TOKEN))
    with_session = await (await signed_in(staff=True)).get("/metrics")
    for response in (with_token, with_session):
        assert response.status_code == 200 and b"arena_info" in response.content
    lower = await AsyncClient().get("/metrics", headers={"Authorization": f"bearer {TOKEN}"})
    assert lower.status_code == 200, "the scheme is case-insensitive"


async def test_a_player_who_is_not_staff_gets_no_metrics() -> None:
    player = await signed_in(staff=False)
    assert (await player.get("/metrics")).status_code == 401
    assert (await player.get("/ops/")).status_code == 403


async def test_without_a_configured_token_only_staff_get_in(arena_settings: Any) -> None:
    arena_settings(metrics_token="")
    assert (await AsyncClient().get("/metrics", headers=bearer(""))).status_code == 401
    assert (await (await signed_in(staff=True)).get("/metrics")).status_code == 200


async def test_the_ops_page_sends_a_stranger_to_the_admin_login() -> None:
    response = await AsyncClient().get("/ops/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/ops/"
    assert (await (await signed_in(staff=True)).get("/ops/")).status_code == 200
    assert (await AsyncClient().get("/ops/", headers=bearer(TOKEN))).status_code == 200


def test_the_token_comes_from_the_environment_and_must_be_long() -> None:
    assert load_config({}).metrics_token == ""
    assert load_config({"ARENA_METRICS_TOKEN": f" {TOKEN} "}).metrics_token == TOKEN
    with pytest.raises(ConfigError, match="ARENA_METRICS_TOKEN"):
        load_config({"ARENA_METRICS_TOKEN": "short"})
