"""Channel-layer messages from the matchmaker and ready-check groups to lobby consumers."""

from __future__ import annotations

READY_CHECK = "lobby.ready_check"  # {"frame", "pending_id"}: join the check's group, show it
FRAME = "lobby.frame"  # {"frame"}: a frame for the socket (status, ready update)
SETTLED = "lobby.settled"  # {"frame", "pending_id", "matched"?}: check over; send, leave group
