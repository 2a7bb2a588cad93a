"""The browser's protocol module mirrors the server's, number for number."""

from __future__ import annotations

import json
import subprocess
from enum import IntEnum

import pytest

from engine import protocol
from loadtest.stack import ROOT

ENUMS: list[type[IntEnum]] = [
    protocol.MessageType,
    protocol.CloseCode,
    protocol.Button,
    protocol.Phase,
    protocol.EventKind,
    protocol.PlayerFlag,
    protocol.LobbyErrorCode,
]
CONSTANTS = [
    "PROTOCOL_VERSION",
    "MAX_CLIENT_FRAME_BYTES",
    "POSITION_SCALE",
    "AIM_SCALE",
    "MAX_SEQ",
    "MAX_NONCE",
    "MAX_PLAYER_ID",
    "ALL_BUTTONS",
    "MAX_LOBBY_FRAME_BYTES",
    "MAX_MODE_LENGTH",
    "MAX_PENDING_ID_LENGTH",
]


@pytest.fixture(scope="module")
def client_protocol() -> dict:
    names = [enum.__name__ for enum in ENUMS] + CONSTANTS + ["CLOSE_DESCRIPTIONS"]
    script = (
        "const m = await import('./static/js/protocol.js');"
        f"console.log(JSON.stringify(Object.fromEntries({json.dumps(names)}.map(n => [n, m[n]]))));"
    )
    out = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_enums_match(client_protocol: dict, enum: type[IntEnum]) -> None:
    assert client_protocol[enum.__name__] == {member.name: member.value for member in enum}


@pytest.mark.parametrize("name", CONSTANTS)
def test_constants_match(client_protocol: dict, name: str) -> None:
    assert client_protocol[name] == getattr(protocol, name)


def test_every_close_code_has_a_human_description(client_protocol: dict) -> None:
    described = {int(code) for code in client_protocol["CLOSE_DESCRIPTIONS"]}
    assert {code.value for code in protocol.CloseCode} <= described
