"""Signed, expiring match tickets: the only way into a match socket."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

from engine.protocol import CloseCode

TICKET_SALT = "arena.match-ticket"


class TicketRefused(Exception):
    """A ticket that does not admit its holder; ``code`` is the socket's close code."""

    code = CloseCode.TICKET_INVALID


class TicketInvalid(TicketRefused):
    """Missing, malformed or forged."""


class TicketExpired(TicketRefused):
    """Older than the ticket lifetime."""

    code = CloseCode.TICKET_EXPIRED


class TicketWrongMatch(TicketRefused):
    """Valid, but for another match."""

    code = CloseCode.TICKET_WRONG_MATCH


@dataclass(frozen=True, slots=True)
class Ticket:
    """Who may take a seat in which match, under which display name; ``team``: the team the
    matchmaker put the player on (team modes), None if it chose none."""

    match_id: str
    player_key: str
    name: str
    team: int | None = None


def issue_ticket(match_id: str, player_key: str, name: str, team: int | None = None) -> str:
    """A signed ticket for one player in one match (on ``team``, if given)."""
    payload: dict[str, str | int] = {"m": match_id, "p": player_key, "n": name}
    if team is not None:
        payload["t"] = team
    return signing.dumps(payload, salt=TICKET_SALT)


def read_ticket(token: str | None, match_id: str, max_age: float) -> Ticket:
    """Verify a ticket for ``match_id``; raises a TicketRefused subclass."""
    if not token:
        raise TicketInvalid("a ticket is required")
    try:
        payload = signing.loads(token, salt=TICKET_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise TicketExpired("the ticket has expired") from None
    except signing.BadSignature:
        raise TicketInvalid("the ticket is not valid") from None
    if not isinstance(payload, dict) or not all(
        isinstance(payload.get(k), str) for k in ("m", "p", "n")
    ):
        raise TicketInvalid("the ticket is not valid")
    team = payload.get("t")  # absent from tickets issued before teams were carried
    if team is not None and (type(team) is not int or team < 0):
        raise TicketInvalid("the ticket is not valid")
    if payload["m"] != match_id:
        raise TicketWrongMatch("the ticket is for another match")
    return Ticket(payload["m"], payload["p"], payload["n"], team)
