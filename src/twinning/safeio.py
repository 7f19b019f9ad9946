"""Reading user files and writing outputs so that nothing the user had is lost or half-written.

- Only regular files are read (a FIFO, a device or a symlink to ``/dev/zero`` is refused before
  it can hang or exhaust memory), up to a size limit, and text must be UTF-8.
- A file is rewritten through a temporary file beside it, renamed over it: the old content or
  the new, never half of each. Its mode is kept, and a symlink is followed (the link stays a
  link; the file it points to is rewritten).
- An output folder is built as a fresh sibling and swapped in whole (``renameat2`` with
  ``RENAME_EXCHANGE`` where the kernel has it, else two renames that the next run repairs), so
  a killed export leaves the old folder or the new one. A folder twinning did not make is not
  replaced unless forced, and never the project or a folder inside it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .errors import CannotRun

# Data files, shapes and queries larger than this are refused (the 100,000-agreement benchmark
# writes about 400 MB in one file).
MAX_INPUT_BYTES = 2 * 1024**3
MARKER = ".twinning-output"
MARKER_TEXT = "This folder is written by twinning; it is replaced whole on every run.\n"
STAGING = ".twinning-staging-"
RETIRED = ".twinning-retired-"


# ----------------------------------------------------------------------------- reading


def check_regular(path: Path, limit: int = MAX_INPUT_BYTES) -> int:
    """The size of ``path`` if it is a regular file (symlinks followed) within ``limit``."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise CannotRun("no such file", path=path) from None
    except OSError as err:
        raise CannotRun(f"cannot read: {err.strerror}", path=path) from err
    if stat.S_ISDIR(info.st_mode):
        raise CannotRun("is a folder, not a file", path=path)
    if not stat.S_ISREG(info.st_mode):
        raise CannotRun("not a regular file (a FIFO, socket or device): refused", path=path)
    if info.st_size > limit:
        raise CannotRun(f"too large ({info.st_size} bytes; the limit is {limit})", path=path)
    return info.st_size


def read_bytes(path: Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file, refusing anything else (see :func:`check_regular`)."""
    check_regular(path, limit)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as err:
        raise CannotRun(f"cannot read: {err.strerror}", path=path) from err
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped since the check
            raise CannotRun("not a regular file: refused", path=path)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise CannotRun(f"too large (over {limit} bytes)", path=path)
    return data


def read_text(path: Path, limit: int = MAX_INPUT_BYTES) -> str:
    """The text of a regular UTF-8 file; any other encoding is one clear error, located."""
    data = read_bytes(path, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        byte = data[err.start : err.start + 1].hex()
        raise CannotRun(
            f"not UTF-8 text (byte 0x{byte}); save the file as UTF-8",
            path=path,
            line=line,
            column=column,
        ) from None


# ----------------------------------------------------------------------------- files


@contextmanager
def atomic_open(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` (its real target, if a symlink) and rename it
    over the original only on success, keeping the original's permission bits."""
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode_bits: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode_bits = None
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        if mode_bits is None:
            umask = os.umask(0)
            os.umask(umask)
            mode_bits = 0o666 & ~umask
        os.fchmod(fd, mode_bits)
        encoding = None if "b" in mode else "utf-8"
        newline = None if "b" in mode else ""
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            yield handle
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write a whole file atomically (see :func:`atomic_open`)."""
    with atomic_open(path, "wb" if isinstance(content, bytes) else "w") as handle:
        handle.write(content)


def write_all(contents: Mapping[Path, str | bytes]) -> None:
    """Write several files, all or none: each is written beside its target first, and they
    are renamed over the old files only once every one is written, so that a full disk
    halfway through leaves all of them as they were."""
    with ExitStack() as stack:
        for path, content in sorted(contents.items()):
            mode = "wb" if isinstance(content, bytes) else "w"
            stack.enter_context(atomic_open(path, mode)).write(content)


# ----------------------------------------------------------------------------- folders


def _renameat2() -> Any:
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return None
    libc = ctypes.CDLL(libc_name, use_errno=True)
    return getattr(libc, "renameat2", None)


_RENAMEAT2 = _renameat2()
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False where the system cannot (then nothing happened)."""
    if _RENAMEAT2 is None:
        return False
    result = _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(target: Path) -> None:
    """Remove what killed runs left beside ``target``; put a retired folder back if the
    target itself went missing between the two renames of the fallback swap."""
    parent = target.parent
    if not parent.is_dir():
        return
    for entry in sorted(parent.iterdir()):
        for tag in (STAGING, RETIRED):
            prefix = f".{target.name}{tag}"
            if not entry.name.startswith(prefix):
                continue
            pid_text = entry.name[len(prefix) :].split("-", 1)[0]
            if pid_text.isdigit() and _pid_alive(int(pid_text)) and int(pid_text) != os.getpid():
                continue  # another run is using it
            if tag == RETIRED and not target.exists():
                entry.rename(target)
            else:
                shutil.rmtree(entry, ignore_errors=True)


def _protected(project: Path | None) -> list[tuple[Path, bool]]:
    """Folders never replaced: the project (and its ancestors) and its source folders."""
    if project is None:
        return []
    project = project.resolve()
    inside = ["data", "ontology", "shapes", "queries", "src", "tests", "docs", "bench", ".git"]
    return [(project, True)] + [(project / name, False) for name in inside]


def check_output_folder(
    target: Path, project: Path | None, known_names: Iterable[str] = (), force: bool = False
) -> Path:
    """Refuse an output folder that would destroy something; the resolved target.

    Never the project, a folder that holds it, or a folder inside its source folders (data/,
    ontology/, …); an existing non-empty folder only if twinning made it (its marker file, or
    only names twinning writes) or ``force``.
    """
    resolved = Path(os.path.realpath(target))
    for folder, is_project in _protected(project):
        if resolved == folder or (is_project and folder.is_relative_to(resolved)):
            raise CannotRun(f"refusing to write into {target}: it would replace {folder}")
        if not is_project and resolved.is_relative_to(folder):
            raise CannotRun(f"refusing to write into {target}: it is inside {folder}")
    if resolved.exists() and not resolved.is_dir():
        raise CannotRun(f"{target} exists and is not a folder")
    if resolved.is_dir() and not force:
        names = {p.name for p in resolved.iterdir()}
        ours = names <= set(known_names) | {MARKER}
        if names and MARKER not in names and not ours:
            raise CannotRun(
                f"{target} holds files twinning did not write; choose another folder or "
                "use --force to replace it whole"
            )
    return resolved


@contextmanager
def replace_folder(
    target: Path,
    project: Path | None = None,
    known_names: Iterable[str] = (),
    force: bool = False,
) -> Iterator[Path]:
    """Yield a fresh folder beside ``target``; when the block ends without error, it replaces
    ``target`` whole. On any error (or Ctrl-C) the staging folder is removed and ``target``
    is as it was."""
    target = check_output_folder(target, project, known_names, force)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(target)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{target.name}{STAGING}{os.getpid()}-", dir=target.parent)
    )
    try:
        os.chmod(staging, 0o755)
        (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        yield staging
        _swap_in(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging: Path, target: Path) -> None:
    try:
        if not target.exists():
            os.rename(staging, target)
            return
        if exchange(staging, target):
            return  # staging now holds the old folder; the caller removes it
        retired = target.parent / f".{target.name}{RETIRED}{os.getpid()}"
        os.rename(target, retired)
        os.rename(staging, target)
        shutil.rmtree(retired, ignore_errors=True)
    except OSError as err:
        if err.errno in (errno.EXDEV, errno.EBUSY):
            raise CannotRun(
                f"cannot replace {target}: it is a mount point or on another file system; "
                "write into a folder inside it"
            ) from err
        raise


@dataclass
class OutputProcess:
    """Another program writing an output file (``sort``, an export child): started with no
    input and its messages kept, so that its failure is one line, not lost."""

    failure: str  # what went wrong if it fails: "sorting twinning.nt failed"
    process: subprocess.Popen[bytes]

    @classmethod
    def start(
        cls, failure: str, command: list[str], env: dict[str, str] | None = None
    ) -> OutputProcess:
        process = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        return cls(failure, process)

    def finish(self) -> None:
        """Wait for it; a failure is :class:`CannotRun` with its last line of messages."""
        _, errors = self.process.communicate()
        if self.process.returncode != 0:
            lines = errors.decode("utf-8", "replace").strip().splitlines() or ["no message"]
            raise CannotRun(f"{self.failure}: {lines[-1]}")

    def kill(self) -> None:
        """Stop it (the caller failed); what it wrote goes with the staging folder."""
        self.process.kill()
        self.process.wait()
