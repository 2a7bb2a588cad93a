"""Chat topics: the channel-layer group (and stored channel) of each chat channel.

A topic's name says what it is: ``chat.lobby.<game>`` (a game's lobby room), ``chat.match.<id>``
(every player of a match: the "all" channel), ``chat.team.<id>.<team>``, ``chat.spectators.<id>``,
``chat.player.<chat id>`` (everything for one player: direct messages, standing changes),
``chat.direct.<low id>.<high id>`` (where two players' direct messages are stored),
``chat.party.<party id>`` (a lobby party's members), and the
operators' announcements, ``chat.announce`` and ``chat.announce.<game>``.
"""

from __future__ import annotations

ANNOUNCE = "chat.announce"

# the channel name a client sees for each kind of topic (docs/protocol.md section 12)
CHANNEL_OF_KIND = {
    "lobby": "lobby",
    "match": "all",
    "team": "team",
    "spectators": "spectators",
    "direct": "direct",
    "party": "party",
}


def lobby_room(game: str) -> str:
    """The lobby room of ``game``."""
    return f"chat.lobby.{game}"


def match_all(match_id: str) -> str:
    """Every player of a match."""
    return f"chat.match.{match_id}"


def match_team(match_id: str, team: int) -> str:
    """One team of a match."""
    return f"chat.team.{match_id}.{team}"


def match_spectators(match_id: str) -> str:
    """A match's spectators."""
    return f"chat.spectators.{match_id}"


def party(party_id: str) -> str:
    """The members of a lobby party."""
    return f"chat.party.{party_id}"


def player(chat_id: int) -> str:
    """Everything addressed to one player, on each of its sockets."""
    return f"chat.player.{chat_id}"


def direct(one: int, other: int) -> str:
    """Where the direct messages between two players are stored."""
    low, high = sorted((one, other))
    return f"chat.direct.{low}.{high}"


def announce_game(game: str) -> str:
    """Announcements to the players and spectators of one game."""
    return f"{ANNOUNCE}.{game}"


def channel_of(topic: str) -> str:
    """The channel name clients see for ``topic``'s messages."""
    return CHANNEL_OF_KIND[topic.split(".", 2)[1]]
