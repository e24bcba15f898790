"""The one error an operator's command reports instead of a traceback."""


class OpsError(RuntimeError):
    """The command cannot proceed; the message says why and what to do."""
