"""Channel-layer messages from the matchmaker and ready-check groups to lobby consumers."""

from __future__ import annotations

READY_CHECK = "lobby.ready_check"  # {"frame", "group", "pending_id"}: join the group, show it
FRAME = "lobby.frame"  # {"frame"}: a frame for the socket (status, ready update)
SETTLED = "lobby.settled"  # {"frame", "group", "matched"?}: check over; send frame, leave group
