"""The Django admin: staff see players, ratings, matches and results, with search and filters;
nobody else gets in."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from game.models import MatchPlayer, MatchRecord
from lobby.models import PlayerProfile, Rating

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="x" * 20))
    return client


@pytest.fixture
def match() -> MatchRecord:
    user = User.objects.create_user("ada", password="x" * 20)
    PlayerProfile.objects.create(key="guest:ada", name="Ada", user=user)
    PlayerProfile.objects.create(key="guest:bo", name="Bo")
    Rating.objects.create(player_key="guest:ada", game="shooter", mode="duel", rating=1516)
    record = MatchRecord.objects.create(
        game="shooter",
        mode="duel",
        max_players=2,
        engine_id="engine-1",
        engine_channel="c",
        status=MatchRecord.Status.OVER,
        ended_at=timezone.now(),
        ranked=True,
    )
    MatchPlayer.objects.create(match=record, player_key="guest:ada", name="Ada", place=1)
    MatchPlayer.objects.create(match=record, player_key="guest:bo", name="Bo", place=2)
    return record


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/admin/lobby/playerprofile/", ["Ada", "Bo"]),
        ("/admin/lobby/playerprofile/?q=ada", ["guest:ada"]),
        ("/admin/lobby/playerprofile/?user__isempty=0", ["Ada"]),
        ("/admin/lobby/rating/?game=shooter&mode=duel", ["guest:ada"]),
        ("/admin/lobby/rating/?q=guest:ada", ["1516"]),
        ("/admin/game/matchrecord/?status=over&ranked__exact=1", ["{id}"]),
        ("/admin/game/matchrecord/?q=Bo", ["{id}"]),
        ("/admin/game/matchrecord/?q=engine-1", ["{id}"]),
        ("/admin/game/matchrecord/?q=not-a-uuid", []),
        ("/admin/game/matchplayer/?match__game=shooter", ["Ada", "Bo"]),
        ("/admin/game/matchplayer/?q=guest:bo", ["Bo"]),
    ],
)
def test_staff_lists_search_and_filter(
    staff: Client, match: MatchRecord, path: str, expected: list[str]
) -> None:
    page = staff.get(path)
    assert page.status_code == 200, path
    html = page.content.decode()
    assert all(text.format(id=match.id) in html for text in expected), path


def test_filters_and_searches_leave_out_what_they_should(staff: Client, match: MatchRecord) -> None:
    html = staff.get("/admin/lobby/playerprofile/?user__isempty=1").content.decode()
    assert "guest:bo" in html and "guest:ada" not in html
    for path in ("/admin/game/matchrecord/?status=open", "/admin/game/matchrecord/?q=Cy"):
        assert str(match.id) not in staff.get(path).content.decode(), path


def test_a_match_page_shows_its_players(staff: Client, match: MatchRecord) -> None:
    page = staff.get(f"/admin/game/matchrecord/{match.id}/change/")
    assert page.status_code == 200
    assert "Ada" in page.content.decode() and "guest:bo" in page.content.decode()
    assert staff.get("/admin/").status_code == 200


def test_players_and_strangers_are_sent_to_the_admin_login(match: MatchRecord) -> None:
    player = Client()
    player.login(username="ada", password="x" * 20)
    for client in (Client(), player):
        response = client.get("/admin/game/matchrecord/")
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
