"""Shared fixtures: the project folder, the shared/ folder beside it, the loaded graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from twinning.load import LoadedGraph, load_project
from twinning.terms import sparql_prefixes

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
SNAPSHOT = SHARED / "wikidata-snapshot" / "regions.ttl"
FIXTURES = Path(__file__).parent / "fixtures"


GOLDEN = Path(__file__).parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regenerate-golden",
        action="store_true",
        help="Rewrite the golden files in tests/golden and tests/queries instead of comparing.",
    )


@pytest.fixture(scope="session")
def regenerate(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regenerate-golden"))


def check_golden(path: Path, actual: str | bytes, regenerate: bool) -> None:
    """Compare with a golden file byte for byte; with --regenerate-golden, rewrite it."""
    data = actual.encode("utf-8") if isinstance(actual, str) else actual
    if regenerate:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert path.exists(), f"{path} missing: run pytest --regenerate-golden"
    assert path.read_bytes() == data, f"{path} differs: check, then run pytest --regenerate-golden"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def graph() -> LoadedGraph:
    """The shipped graph: ontology, schemes, data and mappings."""
    return load_project(ROOT)


def select(graph: LoadedGraph, query: str) -> list[dict[str, str]]:
    """Run a SPARQL SELECT on the graph; each row maps variable name to the term's value."""
    results = graph.store.query(sparql_prefixes() + query)
    names = [v.value for v in results.variables]
    return [{name: row[name].value for name in names if row[name] is not None} for row in results]
