"""The client host's players: ``python -m loadtest.hostclient`` run inside the client namespace.

It speaks to the site by its host name only (``--base http://arena.test``, through the reverse
proxy), as browsers do: ``play`` creates matches over HTTP, takes a ticket per player and plays
them with the chaos run's players (``loadtest.chaos_player``: the game's bots, the browser's
reconnect rules) until every match has ended, then prints one JSON line: per player, what it saw
(longest freeze between two snapshots, reconnects, the RESULT). ``get`` makes one HTTP request
with extra headers; ``handshake`` opens one socket with an ``Origin``. Both print one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import urllib.error
import urllib.request
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from loadtest.chaos_player import ChaosPlayer, Recorder
from loadtest.games import game as game_named
from loadtest.games import seating_mode
from loadtest.stack import http_json, ticket_url


class WatchedPlayer(ChaosPlayer):
    """A chaos player that also keeps the longest time it went without a snapshot."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_snapshot: float | None = None
        self.longest_freeze = 0.0
        self.freezes: list[tuple[float, float]] = []  # (started, seconds) of gaps over 1 s

    def _snapshot(self, frame: list[Any], socket: Any, now: float) -> None:
        if self.last_snapshot is not None and self.result is None:
            gap = now - self.last_snapshot
            self.longest_freeze = max(self.longest_freeze, gap)
            if gap > 1.0:
                self.freezes.append((self.last_snapshot, gap))
        self.last_snapshot = now
        super()._snapshot(frame, socket, now)

    def summary(self, started: float) -> dict[str, Any]:
        """What this player saw, as JSON."""
        return {
            "name": self.name,
            "match": self.match_id,
            "seated": self.player_id is not None,
            "snapshots": self.snapshots,
            "longest_freeze_s": round(self.longest_freeze, 2),
            "freezes": [(round(at - started, 1), round(s, 2)) for at, s in self.freezes],
            "reconnects": len(self.outages),
            "reconnected": sum(1 for o in self.outages if o.same_id),
            "away_s": [round(o.seconds, 2) for o in self.outages if o.seconds is not None],
            "closes": [(round(at - started, 1), code) for at, code in self.closes],
            "moves": self.moves,
            "gave_up": self.gave_up,
            "result": (self.result or {}).get("reason"),
            "rolled_back": self.ledger.rolled_back,
            "applied_twice": len(self.ledger.applied_twice),
        }


async def play(base: str, game: str, matches: int, players: int, grace: float) -> dict[str, Any]:
    """Create and play the matches to their end; every player's summary."""
    recorder = Recorder()
    rng = random.Random(7)
    seated: list[WatchedPlayer] = []
    mode = seating_mode(game_named(game), players).name
    body = {"game": game, "mode": mode, "max_players": players}
    for index in range(matches):
        status, match = await asyncio.to_thread(http_json, "POST", f"{base}/api/matches/", body)
        if status != 201:
            raise RuntimeError(f"creating a match failed: {status} {match}")
        for seat in range(players):
            url = await asyncio.to_thread(ticket_url, base, match, f"m{index}p{seat}")
            path = "/" + url.split("/", 3)[3]
            seated.append(
                WatchedPlayer(
                    f"m{index}p{seat}", match["id"], path, [base], 0, grace, recorder, rng
                )
            )
    recorder.started = time.monotonic()
    tasks = [asyncio.create_task(p.run()) for p in seated]
    print(json.dumps({"event": "playing", "players": len(seated)}), flush=True)
    await asyncio.gather(*tasks)
    return {"event": "result", "players": [p.summary(recorder.started) for p in seated]}


def get(url: str, headers: dict[str, str]) -> dict[str, Any]:
    """One GET with ``headers``: its status, and its body when that is JSON."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status, data, kind = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, data, kind = error.code, error.read(), error.headers
    if kind.get_content_type() == "application/json":
        return {"status": status, "body": json.loads(data or b"null")}
    return {"status": status}


async def handshake(url: str, origin: str) -> dict[str, Any]:
    """Open one socket with ``Origin: origin``: accepted, or the HTTP status it was refused with."""
    try:
        async with connect(url, origin=origin, open_timeout=5, compression=None):  # type: ignore[arg-type]
            return {"accepted": True}
    except InvalidStatus as exc:
        return {"accepted": False, "status": exc.response.status_code}


def main(argv: list[str] | None = None) -> int:
    """Run one of ``play``, ``get`` or ``handshake``; prints its JSON."""
    parser = argparse.ArgumentParser(prog="python -m loadtest.hostclient")
    commands = parser.add_subparsers(dest="command", required=True)
    played = commands.add_parser("play")
    played.add_argument("--base", required=True)
    played.add_argument("--game", default="shooter")
    played.add_argument("--matches", type=int, default=1)
    played.add_argument("--players", type=int, default=2)
    played.add_argument("--grace", type=float, default=20.0)
    got = commands.add_parser("get")
    got.add_argument("url")
    got.add_argument("--header", action="append", default=[], help="Name: value")
    shaken = commands.add_parser("handshake")
    shaken.add_argument("url")
    shaken.add_argument("--origin", required=True)
    args = parser.parse_args(argv)
    if args.command == "play":
        out = asyncio.run(play(args.base, args.game, args.matches, args.players, args.grace))
    elif args.command == "get":
        headers = dict(h.split(": ", 1) for h in args.header)
        out = get(args.url, headers)
    else:
        out = asyncio.run(handshake(args.url, args.origin))
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
