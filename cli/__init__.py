"""The command line, ``python main.py <verb> …``: a client of the engine beside the GUI.

Verbs come from :mod:`engine.registry`; each imports only what it needs, so a
corpus or physics verb never loads torch."""
