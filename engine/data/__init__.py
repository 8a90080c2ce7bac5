"""Data readers. Each raises :class:`DataError` with a one-line cause on bad input."""


from engine.errors import UserError


class DataError(UserError, ValueError):
    """A file the user gave cannot be used; the message says why in one line."""
