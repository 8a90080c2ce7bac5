"""The base of every error a user can act on: shown as its one-line message,
without a class name or traceback (those go to the run's log)."""


class UserError(Exception):
    pass
