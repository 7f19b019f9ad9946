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
