"""`python manage.py cleanreplays`: remove the replays retention says go, now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    """Apply replay retention once (web processes also do it every hour)."""

    help = (
        "Remove replays older than ARENA_REPLAY_RETENTION_DAYS, then the oldest while over "
        "ARENA_REPLAY_MAX_MB, and replay folders nothing indexed for a day."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        from game.replays import clean_replays

        removed, freed = clean_replays()
        self.stdout.write(f"removed {removed} replays, {freed} bytes freed")
