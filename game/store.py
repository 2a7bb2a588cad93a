"""Records finished matches in the database for the engine worker."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from game.models import Match


class DjangoMatchStore:
    """The engine worker's MatchStore backed by the Match model."""

    async def match_ended(self, match_id: str, result: dict[str, Any]) -> None:
        """Mark the match over and keep its result."""
        await Match.objects.filter(id=match_id).aupdate(
            status=Match.Status.OVER, ended_at=timezone.now(), result=result
        )
