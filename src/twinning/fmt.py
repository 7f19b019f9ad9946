"""The canonical on-disk form of ``data/``: ``twinning fmt`` writes it, a test demands it.

A file is canonical when it equals what :func:`rdfio.canonical_turtle` makes of its own
triples, keeping the comment block at its top. Sorted subjects and predicates make diffs of
curated data small and reviews easy.
"""

from __future__ import annotations

from pathlib import Path

from . import rdfio, safeio


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
    """Rewrite files into canonical form (atomically); return those that changed."""
    changed = []
    for path in paths:
        new = canonical_text(path)
        if safeio.read_text(path) != new:
            rdfio.write_atomic(path, new)
            changed.append(path)
    return changed
