"""The project-wide input error types: one for "stop here", one for "report and go on".

Every reader raises InputError with a one-line message naming the file (and line); the walk turns
it into an InputFailure so that one bad file, record or folder never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass


class InputError(Exception):
    """A problem with something the user gave us; the message is one line and names the file.

    `kind` says what went wrong (see InputFailure) so callers can choose an exit code.
    """

    def __init__(self, message: str, kind: str = "invalid") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class InputFailure:
    """A bad input: reported and skipped, the batch goes on.

    kind: missing | permission | unsupported | empty | binary | encoding | malformed | encrypted |
    no-text-layer | corrupt | unreadable | too-large.
    """

    path: str
    message: str  # one line, names the file (and line where relevant)
    kind: str = "unreadable"


def os_failure(path: str, err: OSError) -> InputFailure:
    """What the operating system said about a path, as a one-line failure."""
    if isinstance(err, FileNotFoundError):
        return InputFailure(path, f"{path}: no such file or directory", "missing")
    if isinstance(err, PermissionError):
        return InputFailure(path, f"{path}: permission denied", "permission")
    return InputFailure(path, f"{path}: cannot read ({err.strerror or err})", "unreadable")
