"""The runtime's Match with a tiny game of its own: seats and teams, the grace period, phases and
timers, forfeits, places and winners, JoinRefused, checkpoints and the order of the hooks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from engine.game import (
    Game,
    GameOver,
    JoinRefused,
    MatchContext,
    Mode,
    Seat,
    Simulation,
    StateView,
    Timing,
)
from engine.match import GameRefusedSeat, Match, MatchFull, MatchOver, SeatReleased
from engine.protocol import Phase
from engine.schema import Field, InputSchema, StateSchema

pytestmark = pytest.mark.timeout(10)

TICK_RATE = 10  # one tick is 100 ms


@dataclass(frozen=True)
class TallyOptions:
    """A target score (0: none) and a time limit (None: the game alone ends the match)."""

    tick_rate: int = TICK_RATE
    target: int = 0
    time_limit: float | None = 5.0
    refuse: str = ""  # names the game refuses


class Tally(Simulation):
    """Each tick a player's score grows by the value it last sent; the hooks are recorded."""

    def __init__(self, ctx: MatchContext) -> None:
        super().__init__(ctx)
        self.scores: dict[int, int] = {}
        self.adding: dict[int, int] = {}
        self.calls: list[tuple[str, int | None]] = []
        self._version = 0
        self.closed = ""  # set: every player asking for a seat is refused with this reason

    def admit(self, seat: Seat) -> None:
        if seat.name in self.ctx.options.refuse:
            raise JoinRefused(f"{seat.name} may not play")
        if self.closed:
            raise JoinRefused(self.closed)

    def player_joined(self, seat: Seat) -> None:
        self.calls.append(("joined", seat.id))
        self.scores.setdefault(seat.id, 0)
        self.adding[seat.id] = 0

    def player_away(self, seat: Seat) -> None:
        self.calls.append(("away", seat.id))
        self.adding[seat.id] = 0

    def player_back(self, seat: Seat) -> None:
        self.calls.append(("back", seat.id))

    def player_left(self, seat: Seat) -> None:
        self.calls.append(("left", seat.id))
        self.adding[seat.id] = 0

    def player_returned(self, seat: Seat) -> None:
        self.calls.append(("returned", seat.id))

    def apply_input(self, seat: Seat, values: tuple[int, ...]) -> None:
        (self.adding[seat.id],) = values

    def start(self) -> None:
        self.calls.append(("start", None))
        self.scores = dict.fromkeys(self.scores, 0)
        self._version += 1

    def end(self) -> None:
        self.calls.append(("end", None))

    def step(self) -> GameOver | None:
        if self.ctx.phase is not Phase.RUNNING:
            return None
        for player_id, value in self.adding.items():
            if value:
                self.scores[player_id] += value
                self._version += 1
        target = self.ctx.options.target
        if target and any(score >= target for score in self.scores.values()):
            return GameOver("target")
        return None

    def take_events(self) -> list[list[int]]:
        return []

    def view(self) -> StateView:
        return StateView()

    def roster_columns(self, seat: Seat) -> tuple[int, ...]:
        return (self.scores[seat.id],)

    @property
    def roster_version(self) -> int:
        return self._version

    def ranking(self) -> Sequence[Sequence[int]]:
        """By team total in team modes, else by score; equals share a tier."""
        seats = self.ctx.seats
        if self.ctx.mode.teams:
            totals: dict[int, int] = {}
            for player_id, score in self.scores.items():
                team = seats[player_id].team
                assert team is not None
                totals[team] = totals.get(team, 0) + score
            order = sorted(totals, key=lambda team: -totals[team])
            return [[p for p in sorted(self.scores) if seats[p].team == team] for team in order]
        tiers: dict[int, list[int]] = {}
        for player_id, score in sorted(self.scores.items()):
            tiers.setdefault(score, []).append(player_id)
        return [tiers[score] for score in sorted(tiers, reverse=True)]

    def export_state(self) -> dict[str, Any]:
        return {
            "scores": [[p, s] for p, s in self.scores.items()],
            "adding": [[p, v] for p, v in self.adding.items()],
            "version": self._version,
        }


class TallyGame(Game):
    name = "tally"
    title = "Tally"
    Options = TallyOptions
    modes = (Mode("ffa", "Free for all", 2, 4), Mode("teams", "Two teams", 2, 4, teams=2))
    inputs = InputSchema((Field("add", 0, 3),))
    state = StateSchema(roster=(Field("score", 0, 10_000),))

    def timing(self, mode: Mode) -> Timing:
        return Timing(
            countdown=0.3, time_limit=self.options.time_limit, ended_linger=0.5, empty_timeout=1.0
        )

    def create(self, ctx: MatchContext) -> Tally:
        return Tally(ctx)

    def restore(self, ctx: MatchContext, state: dict[str, Any]) -> Tally:
        sim = Tally(ctx)
        sim.scores = dict((p, s) for p, s in state["scores"])
        sim.adding = dict((p, v) for p, v in state["adding"])
        sim._version = state["version"]
        return sim


def new_match(mode: str = "ffa", max_players: int = 4, grace: float = 1.0, **options: Any) -> Match:
    game = TallyGame(TallyOptions(**options))
    return Match(game, game.mode(mode), seed=7, max_players=max_players, reconnect_grace=grace)


def steps(match: Match, count: int) -> None:
    for _ in range(count):
        match.step()


def running(match: Match, *names: str) -> list[int]:
    """Seat ``names`` and step through the countdown."""
    ids = [match.add_player(name) for name in names]
    steps(match, 4)  # countdown of 3 ticks starts on the first
    assert match.phase is Phase.RUNNING
    return ids


def sim(match: Match) -> Tally:
    assert isinstance(match.sim, Tally)
    return match.sim


# -- seats -----------------------------------------------------------------------------------


def test_seats_take_ids_in_order_until_the_match_is_full() -> None:
    match = new_match(max_players=2)
    assert [match.add_player("Ada"), match.add_player("Bo")] == [0, 1]
    with pytest.raises(MatchFull):
        match.add_player("Cy")
    match.remove_player(0)
    assert match.add_player("Cy") == 2, "a seat left for good is free again, under a new id"


def test_max_players_must_fit_the_mode() -> None:
    with pytest.raises(ValueError, match="max_players of a ffa match is 2 to 4"):
        new_match(max_players=5)


def test_the_game_may_refuse_a_player_and_the_seat_stays_free() -> None:
    match = new_match(max_players=2, refuse="Mallory")
    with pytest.raises(GameRefusedSeat, match="Mallory may not play"):
        match.add_player("Mallory")
    assert match.seats == {} and match.add_player("Ada") == 0


def test_team_modes_deal_seats_to_the_smaller_team() -> None:
    match = new_match("teams")
    ids = [match.add_player(name) for name in ("A", "B", "C")]
    assert [match.seats[i].team for i in ids] == [0, 1, 0]
    match.remove_player(ids[1])  # team 1 is now empty
    assert match.seats[match.add_player("D")].team == 1


def test_a_party_put_on_team_1_by_the_lobby_sits_there_even_when_it_connects_first() -> None:
    match = new_match("teams")
    ids = [match.add_player(name, f"guest:{name}", team=1) for name in ("A", "B")]
    ids += [match.add_player(name, f"guest:{name}", team=0) for name in ("C", "D")]
    assert [match.seats[i].team for i in ids] == [1, 1, 0, 0]
    # the seat survives a checkpoint with its team
    restored = Match.restore(match.game, match.mode, match.export_state())
    assert [restored.seats[i].team for i in ids] == [1, 1, 0, 0]


def test_a_wanted_team_that_is_full_or_not_of_the_mode_falls_back_to_the_smaller_team() -> None:
    match = new_match("teams")
    first = [match.add_player(name, team=1) for name in ("A", "B")]
    assert match.seats[match.add_player("C", team=1)].team == 0, "team 1 has its 2 seats"
    assert match.seats[match.add_player("D", team=5)].team == 0, "no team 5 in a 2-team mode"
    match.remove_player(first[0])
    assert match.seats[match.add_player("E", team=-1)].team == 1
    ffa = new_match("ffa")
    assert ffa.seats[ffa.add_player("F", team=1)].team is None, "no teams outside team modes"


def test_a_player_back_after_leaving_keeps_its_seat_team() -> None:
    match = new_match("teams")
    ada = match.add_player("Ada", "guest:ada", team=1)
    match.remove_player(ada)
    match.readmit_player(ada)
    assert match.seats[ada].team == 1 and match.seats[ada].connected


def test_the_roster_carries_team_columns_and_presence() -> None:
    match = new_match("teams")
    running(match, "A", "B")
    match.apply_input(0, 1, (2,))
    match.step()
    match.player_away(1)
    assert match.roster() == [[0, "A", 0, 2, True], [1, "B", 1, 0, False]]
    version = match.roster_version
    match.apply_input(0, 2, (1,))
    match.step()
    assert match.roster_version > version, "a column change is a roster change"


# -- away, back, left ------------------------------------------------------------------------


def test_an_away_player_keeps_its_seat_for_the_grace_period_then_loses_it() -> None:
    match = new_match(grace=1.0)
    running(match, "Ada", "Bo", "Cy")
    match.player_away(1)
    assert (match.connected_count, match.present_count) == (3, 2)
    steps(match, 9)
    match.readmit_player(1)  # back within the 10 ticks of grace
    assert match.seats[1].present and ("back", 1) in sim(match).calls
    match.player_away(1)
    steps(match, 10)
    assert not match.seats[1].connected and match.seats[1].released
    assert ("left", 1) in sim(match).calls
    with pytest.raises(SeatReleased):
        match.readmit_player(1)


def test_a_player_that_left_returns_to_its_own_seat_and_score() -> None:
    match = new_match()
    running(match, "Ada", "Bo", "Cy")
    match.apply_input(2, 1, (3,))
    match.step()
    match.remove_player(2)
    match.readmit_player(2)
    assert match.seats[2].present and sim(match).calls[-1] == ("returned", 2)
    assert match.roster()[2][2] == 3


def test_a_player_back_after_leaving_is_admitted_by_the_game_again() -> None:
    match = new_match()
    running(match, "Ada", "Bo", "Cy")
    match.remove_player(2)
    match.player_away(1)
    sim(match).closed = "no more players"
    version = match.roster_version
    with pytest.raises(GameRefusedSeat, match="no more players"):
        match.readmit_player(2)
    assert not match.seats[2].connected and sim(match).calls[-1] == ("away", 1)
    assert match.roster_version == version
    match.readmit_player(1)  # back from away: it kept its seat, the game is not asked
    assert match.seats[1].present
    sim(match).closed = ""
    match.readmit_player(2)
    assert match.seats[2].present and sim(match).calls[-1] == ("returned", 2)


def test_without_grace_a_dropped_connection_leaves_at_once() -> None:
    match = new_match(grace=0.0)
    match.add_player("Ada")
    match.player_away(0)
    assert not match.seats[0].connected and not match.seats[0].released


def test_an_away_player_does_not_count_towards_the_countdown() -> None:
    match = new_match()
    match.add_player("Ada")
    match.add_player("Bo")
    match.step()
    assert match.phase is Phase.COUNTDOWN
    match.player_away(1)
    match.step()
    assert match.phase is Phase.WAITING and match.phase_ms_left() == 0
    match.readmit_player(1)
    steps(match, 4)
    assert match.phase is Phase.RUNNING


# -- inputs ----------------------------------------------------------------------------------


def test_stale_unknown_and_late_inputs_are_refused() -> None:
    match = new_match(time_limit=0.5)
    running(match, "Ada", "Bo")
    assert match.apply_input(0, 5, (1,))
    assert not match.apply_input(0, 5, (2,)), "not newer than the last applied"
    assert not match.apply_input(0, 4, (2,))
    assert not match.apply_input(9, 1, (1,)), "nobody has that seat"
    match.remove_player(1)
    assert not match.apply_input(1, 1, (1,)), "left"
    steps(match, 6)
    assert match.phase is Phase.ENDED
    assert not match.apply_input(0, 6, (3,)), "the results are final"
    assert match.seats[0].last_seq == 5


# -- phases, endings and results -------------------------------------------------------------


def test_the_countdown_starts_the_game_once_then_the_time_limit_ends_it() -> None:
    match = new_match(time_limit=1.0)
    ids = running(match, "Ada", "Bo")
    assert sim(match).calls.count(("start", None)) == 1
    assert match.phase_ms_left() == 1000
    match.apply_input(ids[1], 1, (2,))
    steps(match, 10)
    result = match.result
    assert result is not None and result.reason == "time_limit"
    assert sim(match).calls.count(("end", None)) == 1
    assert result.winner_id == 1 and result.duration_ms == 1000
    assert result.standings == [[1, "Bo", 1, 18], [0, "Ada", 2, 0]]
    assert result.columns == ("score",) and result.teams == 0


def test_a_time_limit_of_0_is_no_time_limit() -> None:
    match = new_match(time_limit=0.0)
    running(match, "Ada", "Bo")
    steps(match, 600)
    assert match.phase is Phase.RUNNING and match.result is None
    assert match.phase_ms_left() == 0


def test_the_game_ends_the_match_and_lingers_then_closes() -> None:
    match = new_match(target=4, time_limit=None)
    running(match, "Ada", "Bo")
    assert match.phase_ms_left() == 0, "no time limit, no clock"
    match.apply_input(0, 1, (2,))
    steps(match, 2)
    assert match.result is not None and match.result.reason == "target"
    assert not match.closed
    steps(match, 5)
    assert match.closed
    with pytest.raises(MatchOver):
        match.add_player("Late")


def test_equal_scores_share_a_place_and_there_is_no_winner() -> None:
    match = new_match(time_limit=0.5)
    running(match, "Ada", "Bo", "Cy")
    match.apply_input(0, 1, (1,))
    match.apply_input(1, 1, (1,))
    steps(match, 5)
    assert match.result is not None
    assert [row[2] for row in match.result.standings] == [1, 1, 3]
    assert match.result.winner_id is None


def test_a_team_wins_as_a_team() -> None:
    match = new_match("teams", time_limit=0.5)
    running(match, "A", "B", "C", "D")
    match.apply_input(3, 1, (1,))  # D, of team 1
    steps(match, 5)
    result = match.result
    assert result is not None and result.winner_team == 1 and result.winner_id is None
    assert [(row[0], row[2], row[3]) for row in result.standings] == [
        (1, 1, 1),
        (3, 1, 1),
        (0, 3, 0),
        (2, 3, 0),
    ]


def test_players_leaving_forfeit_and_those_who_stayed_rank_first() -> None:
    match = new_match(time_limit=None)
    running(match, "Ada", "Bo")
    match.apply_input(1, 1, (3,))
    steps(match, 2)
    match.remove_player(1)  # Bo leads, and leaves
    match.step()
    result = match.result
    assert result is not None and result.reason == "forfeit"
    assert result.winner_id == 0 and [row[0] for row in result.standings] == [0, 1]


def test_a_player_who_left_before_the_start_is_in_no_standings() -> None:
    match = new_match(time_limit=None)
    match.add_player("Ada")
    match.add_player("Bo")
    match.step()
    assert match.phase is Phase.COUNTDOWN
    match.remove_player(0)  # Ada goes before the start and does not come back
    match.add_player("Cy")
    match.add_player("Di")
    match.remove_player(3)  # Di as well
    steps(match, 4)
    assert match.phase is Phase.RUNNING
    match.readmit_player(3)  # Di comes back while it runs: it takes part
    late = match.add_player("Ed")  # and so does a player who joins while it runs
    match.remove_player(late)
    match.apply_input(1, 1, (3,))
    match.step()
    match.remove_player(2)
    match.remove_player(3)
    match.step()
    result = match.result
    assert result is not None and (result.reason, result.winner_id) == ("forfeit", 1)
    assert [row[0] for row in result.standings] == [1, 2, 3, late], "no row for Ada"


def test_a_match_that_never_started_keeps_everyone_in_its_standings() -> None:
    match = new_match()
    match.add_player("Ada")
    match.add_player("Bo")
    match.remove_player(1)
    match.interrupt()
    assert match.result is not None and [row[0] for row in match.result.standings] == [0, 1]


def test_a_team_left_with_nobody_forfeits_even_with_enough_players() -> None:
    match = new_match("teams", time_limit=None)
    running(match, "A", "B", "C", "D")
    match.remove_player(1)
    match.step()
    assert match.result is None, "team 1 still has D"
    match.remove_player(3)
    match.step()
    assert match.result is not None and match.result.reason == "forfeit"
    assert match.result.winner_team == 0


def test_a_match_nobody_joins_is_abandoned_without_a_winner() -> None:
    match = new_match()
    steps(match, 10)
    assert match.result is not None and match.result.reason == "abandoned"
    assert match.result.winner_id is None and match.result.standings == []


def test_an_interrupted_match_keeps_its_standings_but_names_no_winner() -> None:
    match = new_match(time_limit=None)
    running(match, "Ada", "Bo")
    match.apply_input(0, 1, (1,))
    match.step()
    match.interrupt()
    result = match.result
    assert result is not None and result.reason == "interrupted" and result.winner_id is None
    assert result.standings[0][:3] == [0, "Ada", 1]
    match.interrupt()
    assert match.result is result, "interrupting twice changes nothing"


# -- checkpoints -----------------------------------------------------------------------------


def test_a_restored_match_goes_on_exactly_as_the_original() -> None:
    match = new_match(time_limit=3.0, grace=1.0)
    running(match, "Ada", "Bo", "Cy")
    match.apply_input(0, 1, (1,))
    match.player_away(2)
    steps(match, 3)
    state = match.export_state()
    assert state["played"] == [0, 1, 2]
    copy = Match.restore(match.game, match.mode, state, reconnect_grace=1.0)
    assert copy.export_state() == state
    for seq in range(2, 40):
        for each in (match, copy):
            each.apply_input(seq % 2, seq, (seq % 4,))
            each.step()
    assert copy.export_state() == match.export_state()
    assert copy.result == match.result and match.result is not None
    assert copy.seats[2].released, "the away player's grace ran out in the copy too"


def test_a_checkpoint_of_another_version_is_refused() -> None:
    match = new_match()
    state = {**match.export_state(), "version": 99}
    with pytest.raises(ValueError, match="match state version 99"):
        Match.restore(match.game, match.mode, state)
