"""The one exception type the CLI turns into a one-line message and a non-zero exit."""


class AnalyzerError(Exception):
    """Bad input or a state the command cannot go on from. The message names what and where."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so it is handled like Ctrl-C: transactions roll back and
    the run is recorded as interrupted."""
