"""How a command ends badly: one line on stderr and an exit code, never a traceback."""

from __future__ import annotations

EXIT_PARTIAL = 1  # some inputs could not be read; the rest was processed and written
EXIT_FAILED = 2  # nothing could be done: bad usage, no model, no readable input, output not written


class Failure(Exception):
    """Ends the command with a one-line message and exit code 2 (printed by `pipeline.cli.main`)."""
