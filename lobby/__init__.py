"""Matchmaking: queues, rating windows, ready checks and Elo ratings."""
