"""Replays: every match's published frames recorded as compressed segments (docs/protocol.md 11).

``format`` is the file format (pure), ``recording`` one match's buffer of records (pure),
``storage`` the folder segments are written to (I/O) and ``recorder`` the engine worker's
consumer that feeds the ones to the other off the tick path.
"""
