"""Records finished matches in the database for the engine worker, ratings included."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import timezone

from game.models import Match, MatchPlayer
from game.reaper import mark_lost
from lobby.models import PlayerProfile
from lobby.rating import update_ratings


class DjangoMatchStore:
    """The engine worker's MatchStore backed by the Match model."""

    async def match_ended(
        self, match_id: str, result: dict[str, Any], player_keys: dict[int, str]
    ) -> None:
        """Mark the match over, keep its result and each player's part; rate ranked matches."""
        await database_sync_to_async(record_result)(match_id, result, player_keys)

    async def match_moved(self, match_id: str, worker_id: str, channel: str) -> None:
        """Point new sockets of the match at the worker that took it over."""
        await Match.objects.filter(id=match_id).aupdate(engine_id=worker_id, engine_channel=channel)

    async def match_lost(self, match_id: str) -> None:
        """Record the match as over and lost (``game.reaper``)."""
        await mark_lost(match_id)


# results that change no rating: nobody played it out
UNRATED_REASONS = frozenset({"abandoned", "interrupted", "lost"})


def record_result(match_id: str, result: dict[str, Any], player_keys: dict[int, str]) -> None:
    """Store a result; a player who rejoined under a new id counts once, with summed kills."""
    with transaction.atomic():
        match = Match.objects.select_for_update().filter(id=match_id).first()
        if match is None:
            return
        lost = (match.result or {}).get("reason") == "lost"
        if match.status == Match.Status.OVER and not lost:  # the real result beats a guess
            return
        match.status = Match.Status.OVER
        match.ended_at = timezone.now()
        match.result = result
        match.save(update_fields=["status", "ended_at", "result"])

        names: dict[str, str] = {}
        scores: dict[str, int] = defaultdict(int)
        deaths: dict[str, int] = defaultdict(int)
        for player_id, name, score, died in result["standings"]:
            key = player_keys.get(player_id) or f"anonymous:{match_id}:{player_id}"
            names.setdefault(key, name)
            scores[key] += score
            deaths[key] += died

        before: dict[str, float] = {}
        after: dict[str, float] = {}
        if match.ranked and len(scores) >= 2 and result["reason"] not in UNRATED_REASONS:
            profiles = {
                key: PlayerProfile.objects.select_for_update().get_or_create(
                    key=key, defaults={"name": names[key]}
                )[0]
                for key in scores
            }
            before = {key: profile.rating for key, profile in profiles.items()}
            after = update_ratings(before, scores)
            for key, profile in profiles.items():
                profile.rating = after[key]
                profile.games += 1
                profile.save(update_fields=["rating", "games", "updated_at"])

        MatchPlayer.objects.bulk_create(
            MatchPlayer(
                match=match,
                player_key=key,
                name=names[key],
                score=scores[key],
                deaths=deaths[key],
                rating_before=before.get(key),
                rating_after=after.get(key),
            )
            for key in scores
        )
