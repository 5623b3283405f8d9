"""Where results go: stdout, or a file written atomically — nothing lost, nothing destroyed.

A file target is written to a temporary file beside it (same folder, so the rename is atomic) and
renamed over the target only when the run produced rows; a failed or empty run deletes the
temporary file and leaves an existing target exactly as it was. A target that is not a regular
file (/dev/stdout, /dev/full, a FIFO) is written directly, since a rename would replace the device.
The target is never one of the inputs nor inside an input folder (`refuse_output_among_inputs`),
so `classify in.jsonl -o in.jsonl` and `classify d -o d/out.jsonl` are refused before reading.
Write errors (disk full, I/O error) become one `Failure` line, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from pipeline.cli.failure import Failure


def pick_format(fmt: str | None, output: Path | None) -> str:
    """The row format: as asked, else a table on a terminal and JSONL for pipes and files."""
    if fmt is None:
        return "table" if (output is None or str(output) == "-") and sys.stdout.isatty() else "jsonl"
    return fmt


def silence_stdout() -> None:
    """Point stdout at /dev/null, so a closed pipe or a full disk is not reported again at exit."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def write_stdout(text: str) -> None:
    """Print a whole text result (topics, info); a full disk or closed stream is one Failure line."""
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    except OSError as err:
        silence_stdout()
        raise Failure(f"stdout: cannot write ({_describe(err)})") from None


def _describe(err: OSError) -> str:
    return err.strerror or str(err)


def refuse_output_among_inputs(output: Path | None, inputs: Sequence[str]) -> None:
    """Refuse (one line) an output file that is one of the inputs or lies inside an input folder."""
    if output is None or str(output) == "-":
        return
    target = Path(os.path.realpath(output))
    for given in inputs:
        if given == "-":
            continue
        source = Path(os.path.realpath(given))
        if target == source or (target.exists() and source.exists() and _same_file(target, source)):
            raise Failure(f"{output}: the output is also an input ({given}); write the results to another file")
        if source.is_dir() and target.is_relative_to(source):
            raise Failure(f"{output}: the output is inside the input folder {given}; write it outside that folder")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _is_regular_or_absent(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except FileNotFoundError:
        return True
    except OSError as err:
        raise Failure(f"{path}: cannot write ({_describe(err)})") from None


def _temporary_beside(target: Path) -> tuple[TextIO, Path]:
    """A new file in the target's folder, with the target's permissions (or the umask's default)."""
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as err:
        raise Failure(f"{target}: cannot write ({_describe(err)})") from None
    try:
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask()
        os.fchmod(fd, mode)
    except OSError:
        pass  # permissions are a courtesy; the content is what matters
    return open(fd, "w", encoding="utf-8", newline="", errors="backslashreplace"), Path(name)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextlib.contextmanager
def open_output(output: Path | None) -> Iterator[OutputFile]:
    """The stream to write results to; committed (renamed into place) only by `OutputFile.commit`."""
    if output is None or str(output) == "-":
        with contextlib.suppress(AttributeError, ValueError):
            sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        handle = OutputFile(sys.stdout, "stdout", None, None)
        try:
            yield handle
        except BrokenPipeError:
            raise
        except OSError as err:
            silence_stdout()
            raise handle.write_error(err) from None
        return
    if output.is_dir():
        raise Failure(f"{output}: is a folder; give a file name for the output")
    if _is_regular_or_absent(output):
        target = Path(os.path.realpath(output))  # through symlinks: replace the file, not the link
        stream, temporary = _temporary_beside(target)
    else:  # a device or FIFO, as named (/dev/stdout resolves to an unopenable pipe:[…] path)
        target, temporary = output, None
        try:
            stream = open(output, "w", encoding="utf-8", newline="", errors="backslashreplace")  # noqa: SIM115
        except OSError as err:
            raise Failure(f"{output}: cannot write ({_describe(err)})") from None
    handle = OutputFile(stream, str(output), target, temporary)
    try:
        yield handle
    except BrokenPipeError:
        raise
    except OSError as err:  # disk full, I/O error while rows were written
        raise handle.write_error(err) from None
    finally:
        handle.discard()


@contextlib.contextmanager
def replaced_atomically(target: Path, make_parents: bool = False) -> Iterator[Path]:
    """A temporary path beside `target` for writers that want a file name (xlsx, labels files).

    Renamed over `target` when the block ends without an error, deleted otherwise, so a failed run
    never leaves a truncated or half-written file where a good one was. `make_parents` creates
    missing folders first (for outputs such as data/labels/round-1.jsonl).
    """
    real = Path(os.path.realpath(target))
    if real.is_dir():
        raise Failure(f"{target}: is a folder; give a file name for the output")
    try:
        if make_parents:
            real.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=real.parent, prefix=f".{real.stem}.", suffix=real.suffix)
        os.close(fd)
    except OSError as err:
        raise Failure(f"{target}: cannot write ({_describe(err)})") from None
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, stat.S_IMODE(real.stat().st_mode) if real.exists() else 0o666 & ~_umask())
        os.replace(temporary, real)
    except OSError as err:
        raise Failure(f"{target}: cannot write ({_describe(err)}); {target} was left as it was") from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


class OutputFile:
    """An open output: `stream` to write to, `commit()` to put the results in place."""

    def __init__(self, stream: TextIO, name: str, target: Path | None, temporary: Path | None) -> None:
        self.stream, self.name, self.target, self.temporary = stream, name, target, temporary
        self.committed = False

    def commit(self) -> None:
        """Flush and close (errors surface here as a Failure), then rename the temporary file into place."""
        try:
            self.stream.flush()
            if self.target is not None:
                if self.temporary is not None:
                    os.fsync(self.stream.fileno())
                self.stream.close()
                if self.temporary is not None:
                    os.replace(self.temporary, self.target)
        except OSError as err:
            raise self.write_error(err) from None
        self.committed = True

    def discard(self) -> None:
        """Close without committing: the temporary file goes, an existing target stays as it was."""
        if self.target is None or self.committed:
            return
        with contextlib.suppress(OSError):
            self.stream.close()
        if self.temporary is not None:
            with contextlib.suppress(OSError):
                self.temporary.unlink()

    def write_error(self, err: OSError) -> Failure:
        """The one-line Failure for an error while writing rows."""
        done = "" if self.temporary is None else f"; {self.name} was left as it was"
        return Failure(f"{self.name}: cannot write ({_describe(err)}){done}")
