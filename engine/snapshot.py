"""Encoders for the server frames that describe a match: WELCOME, KEYFRAME, DELTA and RESULT."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.protocol import (
    POSITION_SCALE,
    PROTOCOL_VERSION,
    MessageType,
    PlayerFlag,
    pack,
    quantize_aim,
)
from engine.simulation import Event, Match, MatchResult

_KEYFRAME = int(MessageType.SNAPSHOT)
_DELTA = int(MessageType.DELTA)
_ALIVE = int(PlayerFlag.ALIVE)
_PROTECTED = int(PlayerFlag.PROTECTED)
_RECONNECTING = int(PlayerFlag.RECONNECTING)
# DELTA player masks: which fields follow, lowest bit first
X_CHANGED, Y_CHANGED, AIM_CHANGED, HEALTH_CHANGED, FLAGS_CHANGED, ACK_CHANGED = 1, 2, 4, 8, 16, 32
PLAYER_FIELD_BITS = (X_CHANGED, Y_CHANGED, AIM_CHANGED, HEALTH_CHANGED, FLAGS_CHANGED, ACK_CHANGED)
# x, y, aim and ack travel as differences; health and flags as new values
DIFFERENCE_BITS = X_CHANGED | Y_CHANGED | AIM_CHANGED | ACK_CHANGED

PlayerWire = tuple[int, int, int, int, int, int]  # x, y, aim_mrad, health, flags, ack


@dataclass(frozen=True, slots=True)
class EncodedSnapshot:
    """One published tick: a DELTA from ``base_tick`` and/or a KEYFRAME.

    A socket whose client holds ``base_tick`` gets the DELTA; any other socket needs the
    KEYFRAME. ``delta`` is None on keyframe ticks, when everybody gets the KEYFRAME;
    ``keyframe`` is None on other ticks unless one was asked for.
    """

    tick: int
    keyframe: bytes | None
    delta: bytes | None
    base_tick: int | None


def _player_wire(match: Match) -> dict[int, PlayerWire]:
    players: dict[int, PlayerWire] = {}
    scale = POSITION_SCALE
    for p in match.connected_players:
        flags = 0
        if p.alive:
            flags = _ALIVE | _PROTECTED if match.is_protected(p) else _ALIVE
        if p.away:
            flags |= _RECONNECTING
        players[p.id] = (
            round(p.x * scale),
            round(p.y * scale),
            quantize_aim(p.aim),
            p.health,
            flags,
            p.last_seq,
        )
    return players


def _roster(match: Match) -> list[list[Any]]:
    return [
        [p.id, p.name, p.score, p.deaths, p.connected and not p.away]
        for p in match.players.values()
    ]


def _player_change(player_id: int, old: PlayerWire, new: PlayerWire) -> list[int] | None:
    """``[id, mask, values…]`` for a player that changed, None if it did not."""
    if old == new:
        return None
    change = [player_id, 0]
    mask = 0
    x, y, aim, health, flags, ack = new
    if x != old[0]:
        mask |= X_CHANGED
        change.append(x - old[0])
    if y != old[1]:
        mask |= Y_CHANGED
        change.append(y - old[1])
    if aim != old[2]:
        mask |= AIM_CHANGED
        change.append(aim - old[2])
    if health != old[3]:
        mask |= HEALTH_CHANGED
        change.append(health)
    if flags != old[4]:
        mask |= FLAGS_CHANGED
        change.append(flags)
    if ack != old[5]:
        mask |= ACK_CHANGED
        change.append(ack - old[5])
    change[1] = mask
    return change


class SnapshotEncoder:
    """Encodes a match tick after tick, remembering the last tick it encoded for DELTAs."""

    def __init__(self, keyframe_interval: int, stagger: int = 0) -> None:
        """``stagger`` ticks bring the first periodic KEYFRAME forward, so that matches started
        together do not all encode their KEYFRAMEs on the same tick."""
        if keyframe_interval < 1:
            raise ValueError("keyframe_interval must be at least 1 tick")
        self.keyframe_interval = keyframe_interval
        self._stagger = stagger % keyframe_interval
        self._tick: int | None = None
        self._keyframe_tick = 0
        self._players: dict[int, PlayerWire] = {}
        self._bullet_ids: list[int] = []
        self._next_bullet_id = 0
        self._roster_version = -1
        self._roster: list[list[Any]] = []
        self._server_ms = 0  # when the tick encoded last was published

    def force_keyframe(self) -> None:
        """Make the next tick a keyframe tick (everyone gets the KEYFRAME)."""
        self._tick = None

    def encode(
        self,
        match: Match,
        events: Sequence[Event],
        server_ms: int,
        with_keyframe: bool = True,
    ) -> EncodedSnapshot:
        """Frames for the match's current tick; ``events`` are those since the last encode.

        Off keyframe ticks the KEYFRAME is encoded only ``with_keyframe`` (someone needs it).
        """
        tick = match.tick
        players = _player_wire(match)
        bullets = match.bullets
        wire_events = [event.to_wire() for event in events]
        roster_changed = match.roster_version != self._roster_version
        if roster_changed:
            self._roster = _roster(match)
        roster = self._roster
        base = self._tick
        delta: bytes | None = None
        keyframe: bytes | None = None
        if (
            base is not None
            and tick > base
            and tick - self._keyframe_tick < self.keyframe_interval
            and players.keys() == self._players.keys()
        ):
            delta = self._delta(
                match,
                tick,
                base,
                server_ms,
                players,
                wire_events,
                roster if roster_changed else None,
            )
        else:
            self._keyframe_tick = tick - self._stagger
            self._stagger = 0
        if delta is None or with_keyframe:
            keyframe = pack(self._keyframe(match, tick, server_ms, players, wire_events, roster))
        self._tick = tick
        self._players = players
        self._bullet_ids = [b.id for b in bullets]
        if bullets:
            self._next_bullet_id = max(self._next_bullet_id, bullets[-1].id + 1)
        self._roster_version = match.roster_version
        self._server_ms = server_ms
        return EncodedSnapshot(tick, keyframe, delta, base if delta is not None else None)

    def last_keyframe(self, match: Match, server_ms: int) -> tuple[int, bytes]:
        """``(tick, KEYFRAME)`` of the tick encoded last, for a socket that starts between ticks.

        Players are as they were encoded then: INPUTs applied since change aim and ack, and the
        next DELTA carries those changes relative to the encoded tick, so it applies to this
        KEYFRAME. (Players who joined or left since make the next frame a KEYFRAME anyway.) Its
        ``server_ms`` is that tick's publication time. Before the first encode, or after
        ``force_keyframe``, it is the match as it is, at ``server_ms``.
        """
        if self._tick is None:
            tick, players, roster = match.tick, _player_wire(match), _roster(match)
        else:
            tick, players, roster = self._tick, self._players, self._roster
            server_ms = self._server_ms
        return tick, pack(self._keyframe(match, tick, server_ms, players, [], roster))

    @staticmethod
    def _keyframe(
        match: Match,
        tick: int,
        server_ms: int,
        players: dict[int, PlayerWire],
        wire_events: list[list[int]],
        roster: list[list[Any]],
    ) -> list[Any]:
        return [
            _KEYFRAME,
            tick,
            server_ms,
            int(match.phase),
            match.phase_ms_left(),
            [[pid, *wire] for pid, wire in players.items()],
            [[b.id, b.wx, b.wy, b.step_x, b.step_y, b.owner] for b in match.bullets],
            wire_events,
            roster,
        ]

    def _delta(
        self,
        match: Match,
        tick: int,
        base: int,
        server_ms: int,
        players: dict[int, PlayerWire],
        wire_events: list[list[int]],
        roster: list[list[Any]] | None,
    ) -> bytes:
        old_players = self._players
        changes = []
        for pid, wire in players.items():
            change = _player_change(pid, old_players[pid], wire)
            if change is not None:
                changes.append(change)
        watermark = self._next_bullet_id
        current_ids = set()
        new_bullets = []
        for b in match.bullets:
            current_ids.add(b.id)
            if b.id >= watermark:
                new_bullets.append([b.id, b.wx, b.wy, b.step_x, b.step_y, b.owner])
        gone = [bullet_id for bullet_id in self._bullet_ids if bullet_id not in current_ids]
        return pack(
            [
                _DELTA,
                tick,
                server_ms,
                base,
                int(match.phase),
                match.phase_ms_left(),
                changes,
                new_bullets,
                gone,
                wire_events,
                roster,
            ]
        )


def encode_keyframe(match: Match, events: Sequence[Event] = (), server_ms: int = 0) -> bytes:
    """A KEYFRAME of the match's current tick on its own."""
    keyframe = SnapshotEncoder(1).encode(match, events, server_ms).keyframe
    assert keyframe is not None  # an encoder's first frame is always a keyframe
    return keyframe


def _match_info(match: Match, match_id: str, mode: str) -> dict[str, Any]:
    """The keys WELCOME and SPECTATING share."""
    rules = match.rules
    return {
        "protocol": PROTOCOL_VERSION,
        "match_id": match_id,
        "mode": mode,
        "max_players": match.max_players,
        "tick_rate": rules.tick_rate,
        "arena": rules.arena_to_wire(),
        "rules": rules.to_wire(),
    }


def encode_welcome(
    match: Match, match_id: str, player_id: int, mode: str, spectators: int = 0
) -> bytes:
    """WELCOME frame for ``player_id`` who was just seated in ``match``."""
    return pack(
        [
            int(MessageType.WELCOME),
            {
                **_match_info(match, match_id, mode),
                "player_id": player_id,
                "ack": match.players[player_id].last_seq,
                "spectators": spectators,
            },
        ]
    )


def encode_spectating(
    match: Match, match_id: str, mode: str, delay_ms: int, spectators: int
) -> bytes:
    """SPECTATING frame for a spectator who was just counted (``spectators`` includes it)."""
    return pack(
        [
            int(MessageType.SPECTATING),
            {**_match_info(match, match_id, mode), "delay_ms": delay_ms, "spectators": spectators},
        ]
    )


def encode_result(result: MatchResult) -> bytes:
    """RESULT frame of a finished match."""
    return encode_stored_result(result.to_wire())


def encode_stored_result(result: dict[str, Any]) -> bytes:
    """RESULT frame of a match recorded as over (``MatchResult.to_wire()`` as stored)."""
    return pack([int(MessageType.RESULT), result])
