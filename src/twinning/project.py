"""A twinning project folder: where its ontology, data, shapes, queries and mappings are.

Every capability of the library starts from a :class:`Project`. Opening one checks that the
folder really is a project, so a command pointed at an empty or wrong folder stops with one
line instead of reporting success on nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import load
from .errors import CannotRun

LAYOUT = "ontology/*.ttl, data/ and shapes/*.ttl, and usually queries/"


@dataclass(frozen=True)
class Project:
    """The folders of one project, resolved once."""

    root: Path

    @classmethod
    def open(cls, root: Path | None = None) -> Project:
        """The project at ``root`` (default: found from the working folder), checked."""
        found = root.resolve() if root is not None else load.project_root()
        if not found.is_dir():
            raise CannotRun(f"{root} is not a folder")
        missing = []
        if not any((found / "ontology").glob("*.ttl")):
            missing.append("ontology/*.ttl")
        if not (found / "data").is_dir():
            missing.append("data/")
        if not any((found / "shapes").glob("*.ttl")):
            missing.append("shapes/*.ttl")
        if missing:
            raise CannotRun(
                f"{found} is not a twinning project: it has no {', '.join(missing)} "
                f"(a project holds {LAYOUT})"
            )
        return cls(found)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def mappings_dir(self) -> Path:
        return self.data_dir / "mappings"

    def ontology_files(self) -> list[Path]:
        return load.ontology_files(self.root)

    def data_files(self) -> list[Path]:
        return load.data_files(self.root)

    def require_data_files(self) -> list[Path]:
        """The data files; refuses a project with none (there would be nothing to check)."""
        files = self.data_files()
        if not files:
            raise CannotRun(f"{self.data_dir} holds no .ttl files: nothing to work on")
        return files

    def mapping_files(self) -> list[Path]:
        return load.mapping_files(self.root)

    def shape_files(self) -> list[Path]:
        return sorted((self.root / "shapes").glob("*.ttl"))
