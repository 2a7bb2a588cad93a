"""Chat: lobby rooms, match channels (all, team, spectators), direct messages, moderation.

Pure rules (``text``, ``limits``, ``standing``, ``topics``, ``lines``, ``frames``) apart from
the I/O: storage (``models``, ``archive``), delivery through the channel layer (``relay``,
``outbox``), a socket's part in it (``session``), and what operators send from synchronous
code (``broadcast``, the admin and the ``announce`` command).
"""
