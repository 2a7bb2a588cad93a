"""One match's recording: the records of its published frames, cut into segments. Pure.

The engine worker hands it every message it publishes for the match; ``add`` costs an append
and a length (O(1)) on the tick path. Records gather into the open segment, which is sealed
when the next KEYFRAME comes once it is ``segment_ticks`` long, so that every segment starts
with a KEYFRAME. Sealed segments wait for the recorder's writer; what waits is bounded by
``max_bytes``: beyond it (the storage is slower than the match) the recording gives up and
the replay is lost, never the match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine import messages
from engine.replay.format import DELTA, KEYFRAME, RESULT, Record

DEFAULT_SEGMENT_SECONDS = 10.0
DEFAULT_MAX_BYTES = 8 * 1024 * 1024  # frames one match may have waiting for the writer


@dataclass(frozen=True)
class ReplayMeta:
    """What a replay says of its match besides its frames."""

    match_id: str
    game: str
    mode: str
    tick_rate: int
    schema: dict[str, Any]
    info: dict[str, Any] = field(default_factory=dict)  # SPECTATING's keys but the schema


@dataclass
class MatchRecording:
    """The records of one match not yet written, and where the recording stands."""

    meta: ReplayMeta
    segment_ticks: int
    max_bytes: int = DEFAULT_MAX_BYTES
    resumed: bool = False  # taken over: the first segments start after the last one written
    open_records: list[Record] = field(default_factory=list)
    open_first_tick: int | None = None
    sealed: list[list[Record]] = field(default_factory=list)
    waiting_bytes: int = 0
    ended: bool = False  # the match closed: the open segment is sealed, nothing more comes
    lost: bool = False  # given up: nothing more is kept
    result: dict[str, Any] | None = None

    def add(self, message: dict[str, Any]) -> None:
        """A message published for the match (snapshots and the RESULT are recorded)."""
        if self.lost or self.ended:
            return
        kind = message.get("type")
        if kind == messages.SNAPSHOT:
            tick = message["tick"]
            delta = message["delta"]
            keyframe = message["keyframe"]
            if delta is not None:
                self._append((DELTA, tick, delta), len(delta))
            if keyframe is not None:
                if (
                    self.open_first_tick is not None
                    and tick - self.open_first_tick >= self.segment_ticks
                ):
                    self.seal()
                self._append((KEYFRAME, tick, keyframe), len(keyframe))
        elif kind == messages.RESULT:
            frame = message["frame"]
            tick = self.open_records[-1][1] if self.open_records else 0
            self._append((RESULT, tick, frame), len(frame))

    def _append(self, record: Record, size: int) -> None:
        if self.open_first_tick is None:
            self.open_first_tick = record[1]
        self.open_records.append(record)
        self.waiting_bytes += size
        if self.waiting_bytes > self.max_bytes:
            self.give_up()

    def seal(self) -> None:
        """Close the open segment: it waits for the writer."""
        if self.open_records:
            self.sealed.append(self.open_records)
        self.open_records = []
        self.open_first_tick = None

    def end(self, result: dict[str, Any] | None) -> None:
        """The match closed (with ``result``, if it has one)."""
        self.seal()
        self.ended = True
        self.result = result

    def take_sealed(self) -> list[list[Record]]:
        """The sealed segments, handed to the writer (their bytes no longer count)."""
        taken = self.sealed
        self.sealed = []
        self.waiting_bytes = sum(len(r[2]) for r in self.open_records if isinstance(r[2], bytes))
        return taken

    def give_up(self) -> None:
        """Lose the replay: drop what waits and record nothing more."""
        self.lost = True
        self.open_records = []
        self.open_first_tick = None
        self.sealed = []
        self.waiting_bytes = 0
