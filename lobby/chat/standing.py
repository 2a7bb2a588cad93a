"""A player's chat standing from its sanctions: muted (cannot chat) or banned (cannot play),
each until a time or for good."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

FOREVER = float("inf")


class SanctionKind(StrEnum):
    """What a sanction takes away."""

    MUTE = "mute"  # sending chat messages
    BAN = "ban"  # the lobby and match sockets (and chat)


@dataclass(frozen=True, slots=True)
class Sanction:
    """One sanction: ``until`` is a Unix time, or None for good."""

    kind: SanctionKind
    until: float | None
    reason: str = ""

    @property
    def ends(self) -> float:
        """When it ends (FOREVER for a permanent one)."""
        return FOREVER if self.until is None else self.until


@dataclass(frozen=True, slots=True)
class Standing:
    """Until when a player is muted and banned (0: not; FOREVER: for good), and why."""

    muted_until: float = 0.0
    banned_until: float = 0.0
    mute_reason: str = ""
    ban_reason: str = ""

    def muted(self, now: float) -> bool:
        """Whether the player may not send at ``now`` (a banned player is muted too)."""
        return self.muted_until > now or self.banned(now)

    def banned(self, now: float) -> bool:
        """Whether the player is banned at ``now``."""
        return self.banned_until > now

    def silenced_until(self) -> float:
        """When the player may chat again."""
        return max(self.muted_until, self.banned_until)

    def ban_notice(self) -> str:
        """Why and until when the player is banned, for people (a 4021 close's reason)."""
        return f"{self.ban_reason or 'banned by an operator'} ({until_text(self.banned_until)})"

    def to_message(self) -> dict[str, Any]:
        """The standing as a channel-layer message body (msgpack: no infinity)."""
        return {
            "muted_until": _wire_time(self.muted_until),
            "banned_until": _wire_time(self.banned_until),
            "mute_reason": self.mute_reason,
            "ban_reason": self.ban_reason,
        }

    @classmethod
    def from_message(cls, body: dict[str, Any]) -> Standing:
        """The standing ``to_message`` wrote."""
        return cls(
            _read_time(body["muted_until"]),
            _read_time(body["banned_until"]),
            body.get("mute_reason", ""),
            body.get("ban_reason", ""),
        )


def _wire_time(value: float) -> float | None:
    return None if value == FOREVER else value


def _read_time(value: float | None) -> float:
    return FOREVER if value is None else float(value)


def standing_of(sanctions: Iterable[Sanction], now: float) -> Standing:
    """The standing ``sanctions`` give at ``now``: the latest end of each kind still running."""
    muted, banned = 0.0, 0.0
    mute_reason, ban_reason = "", ""
    for sanction in sanctions:
        ends = sanction.ends
        if ends <= now:
            continue
        if sanction.kind == SanctionKind.MUTE and ends > muted:
            muted, mute_reason = ends, sanction.reason
        elif sanction.kind == SanctionKind.BAN and ends > banned:
            banned, ban_reason = ends, sanction.reason
    return Standing(muted, banned, mute_reason, ban_reason)


def until_text(until: float) -> str:
    """How long a sanction lasts, for people: "for good" or "until <UTC time>"."""
    if until == FOREVER:
        return "for good"
    moment = datetime.datetime.fromtimestamp(until, datetime.UTC)
    return f"until {moment:%Y-%m-%d %H:%M} UTC"
