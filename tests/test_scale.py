"""Correctness at scale: the validator finds exactly the deliberately broken agreements."""

from __future__ import annotations

from pathlib import Path

from bench.generate import BREAKAGES, generate
from twinning.load import load_files, ontology_files
from twinning.validate import load_shapes, validate_graph

from .conftest import ROOT

SHAPES = load_shapes(ROOT)


def _validate(tmp_path: Path, n: int, engine: str):
    generated = generate(n)
    path = tmp_path / f"generated-{n}.ttl"
    path.write_text(generated.turtle, encoding="utf-8")
    graph = load_files([*ontology_files(ROOT), path], locate=False)
    return generated, validate_graph(graph, SHAPES, engine=engine)


def test_generator_is_deterministic() -> None:
    assert generate(300).turtle == generate(300).turtle


def test_validator_finds_exactly_the_broken_agreements_at_1000(tmp_path: Path) -> None:
    generated, report = _validate(tmp_path, 1000, "sparql")
    assert len(generated.broken) == 10
    assert set(generated.broken.values()) == set(BREAKAGES)
    assert {f.focus for f in report.violations} == set(generated.broken)


def test_engines_agree_on_generated_data(tmp_path: Path) -> None:
    """Same focus nodes and constraint components as pySHACL (kept small: pySHACL is slow)."""
    generated = generate(120, broken_share=0.1)
    path = tmp_path / "generated.ttl"
    path.write_text(generated.turtle, encoding="utf-8")
    graph = load_files([*ontology_files(ROOT), path], locate=False)

    def key(engine: str):
        report = validate_graph(graph, SHAPES, engine=engine)
        return sorted((f.focus, f.path, f.component, f.severity) for f in report.findings)

    sparql = key("sparql")
    assert len({focus for focus, *_ in sparql}) == len(generated.broken) == 12
    assert sparql == key("pyshacl")


def test_bench_reports_floor_pipeline_steps_queries_and_memory() -> None:
    """bench/run.py at a tiny size: alternated floor and pipeline runs, every step, every
    named query (but the federated one), and memory as the kernel measured it."""
    import subprocess
    import sys

    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--sizes", "200", "--runs", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    out = done.stdout
    assert "== 200 agreements" in out
    floors = next(line for line in out.splitlines() if line.startswith("floor runs"))
    pipelines = next(line for line in out.splitlines() if line.startswith("pipeline runs"))
    assert len(floors.split(",")) == len(pipelines.split(",")) == 2
    queries = sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))
    for name in queries:
        assert (f"query {name} (" in out) == (name != "wikidata-iso-codes"), name
    for step in ("build (load)", "validate", "export (all formats)"):
        assert step in out
    assert "pipeline / floor = " in out and "violations found: " in out
    assert "largest process the export started" in out and "all of them at once" in out
    assert "exited with" not in out


def test_engine_bench_times_every_reference_query() -> None:
    """bench/engine.py at a tiny size: every reference query timed, and each ordered one
    counts the same rows as the listing it orders (an ORDER BY must not change the rows)."""
    import subprocess
    import sys

    command = [sys.executable, str(ROOT / "bench" / "engine.py"), "--size", "200", "--runs", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    rows = {}
    for line in done.stdout.splitlines():
        name, *figures = line.split()
        if (ROOT / "bench" / "engine" / f"{name}.rq").exists():
            rows[name] = int(figures[1].replace(",", ""))
    assert set(rows) == {p.stem for p in (ROOT / "bench" / "engine").glob("*.rq")}
    assert rows["list-titles"] >= 200 and rows["list-parties"] >= 400
    for ordered in [name for name in rows if "-by-" in name]:
        assert rows[ordered] == rows[ordered.split("-by-")[0]], ordered
    # k parties make k(k-1) ordered pairs, at least k once k >= 2: only an agreement with a
    # single party (a generated breakage, at most one per agreement) has fewer pairs.
    assert rows["count-party-pairs"] >= rows["list-parties"] - 200 > 0
