"""Records finished matches of any game in the database for the engine worker, ratings included."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import timezone

from game.models import MatchPlayer, MatchRecord
from game.reaper import mark_lost
from lobby.models import PlayerProfile, Rating
from lobby.rating import update_ratings

# results that change no rating: nobody played it out
UNRATED_REASONS = frozenset({"abandoned", "interrupted", "lost"})


class DjangoMatchStore:
    """The engine worker's MatchStore backed by the MatchRecord model."""

    async def match_ended(
        self, match_id: str, result: dict[str, Any], player_keys: dict[int, str]
    ) -> None:
        """Mark the match over, keep its result and each player's part; rate ranked matches."""
        await database_sync_to_async(record_result)(match_id, result, player_keys)

    async def match_moved(
        self, match_id: str, worker_id: str, channel: str, route: str = ""
    ) -> None:
        """Point new sockets of the match at the worker that took it over (and at the web
        process it runs in, if it runs in one)."""
        await MatchRecord.objects.filter(id=match_id).aupdate(
            engine_id=worker_id, engine_channel=channel, route=route
        )

    async def match_lost(self, match_id: str) -> None:
        """Record the match as over and lost (``game.reaper``)."""
        await mark_lost(match_id)


def record_result(match_id: str, result: dict[str, Any], player_keys: dict[int, str]) -> None:
    """Store a result: each player's place, team and the game's columns (``stats``), and, for a
    ranked match played out, the players' new ratings in the match's game and mode (and, in the
    stored result's ``ratings``, each player's rating before and after it)."""
    with transaction.atomic():
        match = MatchRecord.objects.select_for_update().filter(id=match_id).first()
        if match is None:
            return
        lost = (match.result or {}).get("reason") == "lost"
        if match.status == MatchRecord.Status.OVER and not lost:  # the real result beats a guess
            return
        match.status = MatchRecord.Status.OVER
        match.ended_at = timezone.now()
        match.result = result

        teams = bool(result.get("teams"))
        columns = list(result.get("columns") or [])
        rows: dict[str, dict[str, Any]] = {}
        keys_by_id: dict[int, str] = {}
        for row in result["standings"]:
            player_id, name, place = row[0], row[1], row[2]
            team = row[3] if teams else None
            values = row[4:] if teams else row[3:]
            key = player_keys.get(player_id) or f"anonymous:{match_id}:{player_id}"
            keys_by_id[player_id] = key
            rows.setdefault(
                key,
                {
                    "name": name,
                    "place": place,
                    "team": team,
                    "stats": dict(zip(columns, values, strict=False)),
                },
            )

        before: dict[str, float] = {}
        after: dict[str, float] = {}
        if match.ranked and len(rows) >= 2 and result["reason"] not in UNRATED_REASONS:
            ratings = {
                key: Rating.objects.select_for_update().get_or_create(
                    player_key=key, game=match.game, mode=match.mode
                )[0]
                for key in rows
            }
            for key, row in rows.items():
                PlayerProfile.objects.get_or_create(key=key, defaults={"name": row["name"]})
            before = {key: rating.rating for key, rating in ratings.items()}
            after = update_ratings(
                before,
                {key: row["place"] for key, row in rows.items()},
                {key: row["team"] for key, row in rows.items()} if teams else None,
            )
            for key, rating in ratings.items():
                rating.rating = after[key]
                rating.games += 1
                rating.save(update_fields=["rating", "games", "updated_at"])
            match.result = {**result, "ratings": rating_changes(keys_by_id, before, after)}
        match.save(update_fields=["status", "ended_at", "result"])

        MatchPlayer.objects.bulk_create(
            MatchPlayer(
                match=match,
                player_key=key,
                name=row["name"],
                place=row["place"],
                team=row["team"],
                stats=row["stats"],
                rating_before=before.get(key),
                rating_after=after.get(key),
            )
            for key, row in rows.items()
        )


def rating_changes(
    keys_by_id: dict[int, str], before: dict[str, float], after: dict[str, float]
) -> list[dict[str, int]]:
    """The result's ``ratings``: each rated player's rating before and after the match, rounded
    as players see them, by player id in standings order (docs/protocol.md section 2)."""
    return [
        {"id": player_id, "before": round(before[key]), "after": round(after[key])}
        for player_id, key in keys_by_id.items()
        if key in before and key in after
    ]
