"""Matchmaking: queues, rating windows, ready checks and Elo ratings."""

from engine.native import use_fresh_modules_only

use_fresh_modules_only()
