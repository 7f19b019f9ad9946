"""The canonical on-disk form of ``data/``: ``twinning fmt`` writes it, a test demands it.

A file is canonical when it equals what :func:`rdfio.canonical_turtle` makes of its own
triples, keeping the comment block at its top. Sorted subjects and predicates make diffs of
curated data small and reviews easy.
"""

from __future__ import annotations

from pathlib import Path

from . import rdfio, safeio
from .errors import CannotRun


def leading_comment(text: str) -> str:
    """The comment lines at the top of a Turtle file, without their ``# ``."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].removeprefix(" "))
    return "\n".join(lines)


def canonical_text(path: Path) -> str:
    """What ``path`` should hold; raises :class:`rdfio.RdfSyntaxError` on unreadable input."""
    triples = rdfio.parse_file(path)
    header = leading_comment(safeio.read_text(path))
    return rdfio.canonical_turtle(triples, header=header)


def non_canonical(paths: list[Path]) -> list[Path]:
    """The files that are not in canonical form."""
    return [p for p in paths if safeio.read_text(p) != canonical_text(p)]


def rewrite(paths: list[Path]) -> list[Path]:
    """Rewrite files into canonical form; return those that changed. Every file is read
    before any is written, and the changed ones are written all or none: a broken file
    among them leaves every file as it was."""
    new = {path: canonical_text(path) for path in paths}
    changed = [path for path in paths if safeio.read_text(path) != new[path]]
    safeio.write_all({path: new[path] for path in changed})
    return changed


def check_turtle(paths: list[Path]) -> None:
    """Refuse files that are not Turtle: the canonical form is Turtle, and writing it under
    another file's name would make that file unreadable."""
    for path in paths:
        if path.suffix.lower() != ".ttl":
            raise CannotRun(
                f"{path}: twinning fmt writes canonical Turtle, and this is not a .ttl file"
            )
