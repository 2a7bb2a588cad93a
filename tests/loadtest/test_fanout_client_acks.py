"""The fan-out load client's frame reading and input-to-applied bookkeeping (fanout-frames.mjs).

Node runs the module on frames made by the server's own encoder (engine.codec) and on the
worked example of docs/protocol.md; the samples it records are checked against what the ticks
say: one per INPUT, the time from its send to the first snapshot whose own ack covers it.
"""

from __future__ import annotations

import json
import random
import subprocess
from typing import Any

import msgpack
import pytest

from engine.codec import SnapshotEncoder
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rules
from engine.match import Match
from loadtest.stack import ROOT

# Runs a list of steps against one InputAcks and prints what it recorded. A step is
# ["welcome", socket, player_id], ["send", socket, t] or ["frame", socket, t, hex]. The
# histogram is swapped for a list so every sample can be compared.
DRIVER = """
import * as f from './loadtest/fanout-frames.mjs';
let text = '';
for await (const chunk of process.stdin) text += chunk;
const job = JSON.parse(text);
const acks = new f.InputAcks(job.sockets, job.ring ?? f.ACK_RING);
const samples = [];
acks.latency = { add: (ms) => samples.push(Math.round(ms * 1000) / 1000), summary: () => null,
                 reset: () => { samples.length = 0; } };
const seqs = [];
for (const step of job.steps) {
  const [kind, i] = step;
  if (kind === 'welcome') acks.welcome(i, step[2]);
  else if (kind === 'send') seqs.push(acks.sent(i, step[2]));
  else if (kind === 'reset') acks.reset();
  else {
    const b = Buffer.from(step[3], 'hex');
    f.readHead(b);
    acks.snapshot(i, b, step[2]);
  }
}
const { latency_ms, ...counters } = acks.summary(() => true);
console.log(JSON.stringify({ samples, seqs, counters, acked: Array.from(acks.acked),
  inputs: job.inputs.map(([s, b, a]) => Buffer.from(f.encodeInput(s, b, a)).toString('hex')) }));
"""


def run_driver(steps: list[list[Any]], sockets: int = 1, **extra: Any) -> dict[str, Any]:
    job = {"sockets": sockets, "steps": steps, "inputs": extra.pop("inputs", []), **extra}
    out = subprocess.run(
        ["node", "--input-type=module", "-e", DRIVER],
        cwd=ROOT,
        input=json.dumps(job),
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return json.loads(out.stdout)


def frame(t: float, data: bytes, socket: int = 0) -> list[Any]:
    return ["frame", socket, t, data.hex()]


def keyframe(tick: int, acks: list[int]) -> bytes:
    """A KEYFRAME whose players 0, 1, … have these acks."""
    players = [[pid, 0, 0, 0, 100, 1, ack] for pid, ack in enumerate(acks)]
    return msgpack.packb([11, tick, 1_795_600_000_000 + tick, 2, 1000, players, [], [], []])


def test_inputs_are_encoded_as_msgpack_encodes_them() -> None:
    inputs = [
        [seq, buttons, aim]
        for seq in (1, 127, 128, 255, 256, 65535, 65536, 4_294_967_295)
        for buttons in (0, 31)
        for aim in (0, 31, -1, -32, -33, -128, -129, 127, 128, 3142, -3142)
    ]
    result = run_driver([], inputs=inputs)
    expected = [msgpack.packb([1, *values]).hex() for values in inputs]
    assert result["inputs"] == expected


DOC_KEYFRAME = bytes.fromhex(
    "99 0b 01 cf 00 00 01 a2 12 19 a4 00 00 00 91 97 00 cd 3a 98 cd 03 e8 00 64 03 00"
    " 90 91 92 03 00 91 95 00 a3 41 64 61 00 00 c3"
)
DOC_DELTA_2 = bytes.fromhex(
    "9b 0c 02 cf 00 00 01 a2 12 19 a4 32 01 00 00 91 94 00 21 3c 01"
    " 91 96 00 cd 3c e6 cd 03 e8 cd 01 5e 00 00 90 90 c0"
)
DOC_DELTA_3 = bytes.fromhex(
    "9b 0c 03 cf 00 00 01 a2 12 19 a4 64 02 00 00 91 95 00 25 78 d1 fc 18 01 90 90 90 c0"
)


def test_the_protocol_examples_ack_inputs_1_and_2() -> None:
    steps = [
        ["welcome", 0, 0],
        frame(0.0, DOC_KEYFRAME),  # ack 0
        ["send", 0, 10.0],
        frame(75.0, DOC_DELTA_2),  # ack += 1
        ["send", 0, 60.0],
        frame(125.0, DOC_DELTA_3),  # x, aim and ack: ack += 1
    ]
    result = run_driver(steps)
    assert result["seqs"] == [1, 2]
    assert result["samples"] == [65.0, 65.0]
    assert result["acked"] == [2]
    assert result["counters"]["malformed"] == 0
    assert result["counters"]["chain_breaks"] == 0


def test_a_socket_without_a_welcome_reads_no_further_than_the_head() -> None:
    result = run_driver([["send", 0, 0.0], frame(1.0, DOC_KEYFRAME), frame(2.0, DOC_DELTA_2)])
    assert result["samples"] == [] and result["acked"] == [0]
    assert result["counters"]["malformed"] == 0


def simulated_frames(ticks: int, seed: int) -> tuple[list[list[Any]], list[float]]:
    """Steps for a socket of player 1 in a 4-player match encoded by the server's encoder.

    Player 1 sends 0 to 3 INPUTs between two ticks (the engine applies the newest, so some
    seqs are passed over); the others move too, so DELTAs list them around player 1. Returns
    the steps and the expected samples: per seq, the receive time of the first snapshot whose
    ack is at least that seq, minus its send time.
    """
    rng = random.Random(seed)
    game = ShooterGame(Rules(time_limit=3600, score_limit=10**6))
    match = Match(game, game.mode("ffa"), seed=seed, max_players=4)
    ids = [match.add_player(f"p{i}") for i in range(4)]
    own = ids[1]
    encoder = SnapshotEncoder(game.state, keyframe_interval=7, stagger=3)
    seqs = dict.fromkeys(ids, 0)
    sent_at: dict[int, float] = {}
    acked_by: dict[int, float] = {}
    steps: list[list[Any]] = [["welcome", 0, own]]
    for tick in range(1, ticks + 1):
        t0 = tick * 50.0
        for pid in ids:
            for k in range(rng.choice([0, 1, 1, 2, 3]) if pid == own else rng.choice([0, 1])):
                seqs[pid] += 1
                buttons = rng.randrange(32)
                aim = rng.randint(-3142, 3142)
                match.apply_input(pid, seqs[pid], (buttons, aim))
                if pid == own:
                    t = t0 - 40.0 + 10.0 * k
                    sent_at[seqs[pid]] = t
                    steps.append(["send", 0, t])
        events = match.step()
        encoded = encoder.encode(match, events, 1_760_000_000_000 + int(t0))
        data = encoded.delta if encoded.delta is not None else encoded.keyframe
        assert data is not None
        received = t0 + 7.0
        steps.append(frame(received, data))
        ack = match.seats[own].last_seq
        for seq in range(1, ack + 1):
            acked_by.setdefault(seq, received)
    expected = [acked_by[seq] - sent_at[seq] for seq in sorted(acked_by)]
    return steps, expected


@pytest.mark.parametrize("seed", [1, 2])
def test_each_acknowledged_input_gets_its_send_to_snapshot_time(seed: int) -> None:
    steps, expected = simulated_frames(ticks=60, seed=seed)
    result = run_driver(steps)
    assert len(expected) > 60  # more inputs than ticks: some were passed over
    assert result["samples"] == expected
    counters = result["counters"]
    assert counters["malformed"] == counters["chain_breaks"] == counters["unmatched"] == 0
    assert counters["backwards"] == counters["ahead_of_sent"] == 0
    assert counters["awaiting_ack"] == 0


def test_a_broken_delta_chain_waits_for_the_next_keyframe() -> None:
    steps = [
        ["welcome", 0, 0],
        frame(0.0, DOC_KEYFRAME),
        ["send", 0, 10.0],
        ["send", 0, 20.0],
        frame(125.0, DOC_DELTA_3),  # base 2, but the socket holds tick 1
        frame(175.0, DOC_DELTA_2),  # base 1, yet the chain is broken: ignored
    ]
    result = run_driver(steps)
    assert result["samples"] == [] and result["counters"]["chain_breaks"] == 1
    result = run_driver([*steps, frame(230.0, keyframe(4, [2]))])
    assert result["samples"] == [220.0, 210.0] and result["acked"] == [2]


def test_sockets_keep_their_own_state_and_old_send_times_leave_the_ring() -> None:
    steps: list[list[Any]] = [["welcome", 0, 1], ["welcome", 1, 0]]
    steps += [["send", 0, float(t)] for t in range(10)]  # seqs 1..10 on socket 0
    steps += [["send", 1, 100.0]]
    steps += [frame(110.0, keyframe(1, [1, 10]), 0), frame(120.0, keyframe(1, [1, 10]), 1)]
    result = run_driver(steps, sockets=2, ring=4)
    # socket 0 (player 1) acks 10 of which the ring still knows 7..10; socket 1 acks its 1
    assert sorted(result["samples"]) == [20.0, 101.0, 102.0, 103.0, 104.0]
    assert result["counters"]["unmatched"] == 6
    assert result["acked"] == [10, 1]


def test_an_ack_beyond_the_inputs_sent_is_counted_not_sampled_twice() -> None:
    steps = [
        ["welcome", 0, 0],
        ["send", 0, 0.0],
        frame(50.0, keyframe(1, [3])),
        frame(100.0, keyframe(2, [2])),
    ]
    result = run_driver(steps)
    assert result["samples"] == [50.0]
    assert result["counters"]["ahead_of_sent"] == 1 and result["counters"]["backwards"] == 1
