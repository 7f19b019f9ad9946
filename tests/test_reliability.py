"""The error contract, held against hostile inputs: exit code, one line, nothing changed.

Every command is driven through each class of bad input a careful user (or a hostile file)
can bring. The contract (docs/reliability.md): exit 0 ok, 1 data problems, 2 could not run;
one line on stderr starting with ``Error:``; never a traceback or an "internal error"; the
files the user had are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from twinning import rdfio, safeio
from twinning.cli import main
from twinning.errors import CannotRun

from .conftest import FIXTURES, ROOT

runner = CliRunner()

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="https://example.org/x"><rdfs:label>&lol9;</rdfs:label>
  </rdf:Description>
</rdf:RDF>
"""


def project_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped project (ontology, shapes, data, queries)."""
    copy = tmp_path / "project"
    for folder in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(ROOT / folder, copy / folder)
    return copy


def tree_digest(folder: Path) -> dict[str, str]:
    """Every regular file under ``folder`` with its SHA-256 (symlinks and FIFOs by name)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = str(path.relative_to(folder))
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            found[relative] = "special"
        elif path.is_file():
            found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def assert_one_line_error(result, code: int, fragment: str) -> None:
    """Exit ``code``; stderr's last line is one ``Error:`` line containing ``fragment``."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: "), result.stderr
    assert fragment in last, last


# ----------------------------------------------------------------------------- every command


def _hostile_cases(tmp_path: Path) -> list[tuple[str, list[str], int, str]]:
    """(name, arguments, exit code, fragment of the message) for each class of bad input."""
    empty = tmp_path / "empty"
    empty.mkdir()
    project = project_copy(tmp_path)
    laughs = tmp_path / "laughs.rdf"
    laughs.write_text(BILLION_LAUGHS, encoding="utf-8")
    latin1 = tmp_path / "latin1.ttl"
    latin1.write_bytes('@prefix ex: <https://example.org/> .\nex:a ex:b "Vysočina" .\n'
                       .encode().replace("č".encode(), b"\xe8"))  # fmt: skip
    latin1_query = project / "queries" / "zz-latin1.rq"
    latin1_query.write_bytes(b"# caf\xe9\nSELECT * WHERE { ?s ?p ?o }\n")
    folder_ttl = tmp_path / "folder.ttl"
    folder_ttl.mkdir()
    broken_shapes = project_copy(tmp_path / "broken-shapes")
    (broken_shapes / "shapes" / "zz.ttl").write_text("@prefix sh: <x> .\nsh:a sh:b", "utf-8")
    broken_context = project_copy(tmp_path / "broken-context")
    (broken_context / "ontology" / "context.jsonld").write_text('{"@context": ', "utf-8")
    bad_qid = project_copy(tmp_path / "bad-qid")
    mappings = bad_qid / "data" / "mappings" / "wikidata.sssom.tsv"
    mappings.write_text(mappings.read_text("utf-8").replace("wd:Q3113\t", "wd:Qxyz\t"), "utf-8")
    latin1_table = tmp_path / "table.csv"
    latin1_table.write_bytes(b"id,home,kind\nx,Cluj,\xe9\n")
    fake_xlsx = tmp_path / "table.xlsx"
    fake_xlsx.write_text("not a workbook", encoding="utf-8")
    broken_catalog = tmp_path / "catalog.ttl"
    broken_catalog.write_text("@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<a> dcat:x", "utf-8")
    unreachable = "http://127.0.0.1:9/"  # the discard port: nothing listens there
    out = str(tmp_path / "out")
    r = ["--root", str(project)]
    clean = ["--root", str(broken_context)]  # queries and shapes intact
    return [
        ("validate on an empty folder", ["validate", "--root", str(empty)], 2,
         "is not a twinning project"),
        ("fmt --check on an empty folder", ["fmt", "--check", "--root", str(empty)], 2,
         "is not a twinning project"),
        ("query list on an empty folder", ["query", "list", "--root", str(empty)], 2,
         "is not a twinning project"),
        ("build on an empty folder", ["build", "--root", str(empty), "--out", out], 2,
         "is not a twinning project"),
        ("export on an empty folder", ["export", "--root", str(empty), "--out", out], 2,
         "is not a twinning project"),
        ("quickstatements on an empty folder",
         ["wikidata", "quickstatements", "--root", str(empty)], 2, "is not a twinning project"),
        ("billion laughs", ["validate", *r, str(laughs)], 2, "DTD or entity declarations"),
        ("Latin-1 data under fmt", ["fmt", "--check", *r, str(latin1)], 2, "not UTF-8"),
        ("Latin-1 data under validate", ["validate", *r, str(latin1)], 2, "latin1.ttl"),
        ("Latin-1 query file", ["query", "list", *r], 2, "not UTF-8"),
        ("a folder named .ttl", ["fmt", *r, str(folder_ttl)], 2, "is a directory"),
        ("a missing data file", ["validate", *r, str(tmp_path / "nope.ttl")], 2, "no such file"),
        ("unknown file type", ["validate", *r, str(FIXTURES.parent / "__init__.py")], 2,
         "unknown RDF file type"),
        ("broken shapes", ["validate", "--root", str(broken_shapes)], 2, "zz.ttl:1:13"),
        ("broken context", ["export", "--root", str(broken_context), "--out", out], 2,
         "context.jsonld:1"),
        ("base url not a url", ["export", *r, "--out", out, "--base-url", "not a url"], 2,
         "not an http(s) URL"),
        ("date not a date", ["build", *r, "--out", out, "--date", "31.02.2011"], 2,
         "is not a date"),
        ("out is data/", ["export", *r, "--out", str(project / "data")], 2, "refusing"),
        ("out inside data/", ["build", *r, "--out", str(project / "data" / "d")], 2,
         "refusing"),
        ("out is the project", ["export", *r, "--out", str(project), "--force"], 2,
         "refusing"),
        ("out holds the project", ["export", *r, "--out", str(tmp_path), "--force"], 2,
         "refusing"),
        ("malformed QID under quickstatements",
         ["wikidata", "quickstatements", "--root", str(bad_qid)], 2, "wikidata.sssom.tsv:12"),
        ("malformed QID under validate", ["validate", "--root", str(bad_qid)], 2,
         "is not a Wikidata item"),
        ("import a table that is not UTF-8", ["import", *r, "--dry-run", str(latin1_table)], 2,
         "not UTF-8"),
        ("import a workbook that is not one", ["import", *r, "--dry-run", str(fake_xlsx)], 2,
         "table.xlsx"),
        ("import a missing table", ["import", *r, str(tmp_path / "nope.csv")], 2, "nope.csv"),
        ("catalog score of a missing file",
         ["catalog", "score", *r, "--catalog", str(tmp_path / "nope.ttl")], 2, "nope.ttl"),
        ("catalog score of a broken file",
         ["catalog", "score", *r, "--catalog", str(broken_catalog)], 2, "catalog.ttl:2"),
        ("site into data/", ["site", *r, "--out", str(project / "data")], 2, "refusing"),
        ("site over the project", ["site", *r, "--out", str(project)], 2, "project"),
        ("site with a bad base URL", ["site", *r, "--out", out, "--base-url", "nope"], 2,
         "nope"),
        ("query on an unreachable endpoint",
         ["query", "run", *clean, "ended-agreements", "--endpoint", unreachable + "query",
          "--timeout", "5"], 2, "127.0.0.1:9"),
        ("publish to an unreachable store",
         ["publish", *clean, "--endpoint", unreachable + "store", "--timeout", "5"], 2,
         "127.0.0.1:9"),
        ("link against an unreachable endpoint",
         ["link", "wikidata", *clean, "--endpoint", unreachable + "query", "--no-cache",
          "--out", str(tmp_path / "links.tsv"), "--timeout", "5"], 2, "127.0.0.1:9"),
        ("diff against an unreachable endpoint",
         ["wikidata", "diff", *clean, "--endpoint", unreachable + "query", "--no-cache",
          "--timeout", "5"], 2, "127.0.0.1:9"),
        ("unknown query", ["query", "run", "--root", str(broken_shapes), "no-such-query"], 2,
         "no-such-query"),
    ]  # fmt: skip


def test_every_command_fails_cleanly_on_hostile_input(tmp_path: Path) -> None:
    cases = _hostile_cases(tmp_path)
    assert len(cases) >= 35
    before = tree_digest(tmp_path)
    failures = []
    for name, args, code, fragment in cases:
        result = runner.invoke(main, args)
        try:
            assert_one_line_error(result, code, fragment)
        except AssertionError as err:
            failures.append(f"{name}: {err}")
    assert not failures, "\n".join(failures)
    assert tree_digest(tmp_path) == before  # nothing the user had was changed or added


def test_data_without_dates_needs_date_option(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    for path in project.glob("data/*.ttl"):
        path.unlink()
    (project / "data" / "mappings" / "wikidata.sssom.tsv").unlink()
    text = (FIXTURES / "valid" / "minimal.ttl").read_text(encoding="utf-8")
    undated = "".join(line for line in text.splitlines(True) if "^^xsd:date " not in line)
    assert undated != text
    (project / "data" / "minimal.ttl").write_text(undated, "utf-8")
    result = runner.invoke(main, ["export", "--root", str(project), "--out", str(tmp_path / "o")])
    assert_one_line_error(result, 2, "give --date")
    assert not (tmp_path / "o").exists()
    dated = runner.invoke(
        main,
        ["export", "--root", str(project), "--out", str(tmp_path / "o"), "--date", "2026-11-30"],
    )
    assert dated.exit_code == 0, dated.output


def test_fifo_in_data_is_refused_not_waited_on(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    os.mkfifo(project / "data" / "zz-fifo.ttl")
    for args in (["fmt", "--check"], ["validate"], ["fmt"]):
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "twinning", *args, "--root", str(project)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert time.monotonic() - started < 30
        assert done.returncode == 2, done.stderr
        assert "not a regular file" in done.stderr.strip().splitlines()[-1]
        assert "Traceback" not in done.stderr


def test_symlink_to_dev_zero_is_refused(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    (project / "data" / "zz-zero.ttl").symlink_to("/dev/zero")
    result = runner.invoke(main, ["validate", "--root", str(project)])
    assert_one_line_error(result, 2, "not a regular file")


# ----------------------------------------------------------------------------- fmt


def test_fmt_keeps_mode_and_follows_symlinks(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    real = tmp_path / "elsewhere.ttl"
    text = (project / "data" / "liberec.ttl").read_text(encoding="utf-8")
    real.write_text(text.replace("\n\n", "\n\n\n"), encoding="utf-8")  # not canonical
    os.chmod(real, 0o644)
    (project / "data" / "liberec.ttl").unlink()
    (project / "data" / "liberec.ttl").symlink_to(real)
    result = runner.invoke(main, ["fmt", "--root", str(project)])
    assert result.exit_code == 0, result.output
    assert (project / "data" / "liberec.ttl").is_symlink()
    assert real.read_text(encoding="utf-8") == text  # the target was rewritten canonically
    assert oct(os.stat(real).st_mode & 0o777) == oct(0o644)


def test_fmt_check_reports_non_canonical_with_exit_1(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    path = project / "data" / "liberec.ttl"
    path.write_text(path.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    before = tree_digest(project)
    result = runner.invoke(main, ["fmt", "--check", "--root", str(project)])
    assert_one_line_error(result, 1, "liberec.ttl")
    assert tree_digest(project) == before


# ----------------------------------------------------------------------------- duplicates, size


def test_a_resource_defined_in_two_files_is_a_violation_naming_both(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    source = (project / "data" / "liberec.ttl").read_text(encoding="utf-8")
    (project / "data" / "zz-copy.ttl").write_text(source, encoding="utf-8")
    result = runner.invoke(main, ["validate", "--root", str(project), "--format", "json"])
    assert result.exit_code == 1
    assert "Defined in two files (data/liberec.ttl:" in result.output
    assert "and data/zz-copy.ttl:" in result.output


def test_big_files_keep_file_and_line(tmp_path: Path) -> None:
    """A finding in a file of over 5 MB still says where (the old locator stopped there)."""
    project = project_copy(tmp_path)
    big = project / "data" / "zz-big.ttl"
    filler = "".join(
        f'<https://example.org/filler/{n}> <https://example.org/p> "{"x" * 60}" .\n'
        for n in range(80_000)
    )
    broken = (FIXTURES / "broken" / "agreement-no-kind.ttl").read_text(encoding="utf-8")
    prefixes = "".join(line + "\n" for line in broken.splitlines() if line.startswith("@prefix"))
    body = "".join(line + "\n" for line in broken.splitlines() if not line.startswith("@prefix"))
    big.write_text(prefixes + filler + body, encoding="utf-8")
    assert big.stat().st_size > 5_000_000
    result = runner.invoke(main, ["validate", "--root", str(project), "--format", "json"])
    assert result.exit_code == 1, result.output
    lines = big.read_text(encoding="utf-8").splitlines()
    expected = 1 + next(i for i, line in enumerate(lines) if line.startswith("agreement:alpha"))
    assert expected > 80_000
    assert '"file": "data/zz-big.ttl"' in result.output
    assert f'"line": {expected}' in result.output


# ----------------------------------------------------------------------------- export folder


def _export(project: Path, out: Path, *extra: str):
    return runner.invoke(
        main, ["export", "--root", str(project), "--out", str(out), "--date", "2026-11-30", *extra]
    )


def test_export_replaces_the_folder_whole_and_drops_stale_files(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    out = tmp_path / "dist"
    assert _export(project, out).exit_code == 0
    (out / "stale.csv").write_text("old", encoding="utf-8")
    assert _export(project, out).exit_code == 0
    assert not (out / "stale.csv").exists()
    assert (out / safeio.MARKER).exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".dist")] == []


def test_export_refuses_a_foreign_folder_unless_forced(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious", encoding="utf-8")
    result = _export(project, out)
    assert_one_line_error(result, 2, "did not write")
    assert (out / "thesis.docx").read_text(encoding="utf-8") == "precious"
    assert _export(project, out, "--force").exit_code == 0
    assert not (out / "thesis.docx").exists()


def test_leftovers_of_killed_runs_are_cleaned(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    out = tmp_path / "dist"
    dead = tmp_path / f".dist{safeio.STAGING}999999999-abc"
    dead.mkdir()
    (dead / "twinning.ttl").write_text("half", encoding="utf-8")
    assert _export(project, out).exit_code == 0
    assert not dead.exists()


@pytest.mark.parametrize("step", ["exchange", "first rename", "second rename"])
def test_export_killed_at_each_rename_leaves_all_old_or_all_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    """Fail each rename of the swap in turn: dist/ is the old folder, never a mix."""
    project = project_copy(tmp_path)
    out = tmp_path / "dist"
    assert _export(project, out, "--date", "2026-01-01").exit_code == 0
    old = tree_digest(out)
    real_rename = os.rename
    calls = {"n": 0}

    def failing_exchange(a: Path, b: Path) -> bool:
        if step == "exchange":
            raise OSError(5, "Input/output error (injected)")
        return False  # fall back to two renames

    def failing_rename(a, b) -> None:  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if (step == "first rename" and calls["n"] == 1) or (
            step == "second rename" and calls["n"] == 2
        ):
            raise OSError(5, "Input/output error (injected)")
        real_rename(a, b)

    monkeypatch.setattr(safeio, "exchange", failing_exchange)
    monkeypatch.setattr(safeio.os, "rename", failing_rename)
    result = _export(project, out, "--date", "2026-11-29")
    monkeypatch.undo()
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    if out.exists():
        assert tree_digest(out) == old
    # A kill between the two renames leaves dist/ missing and the old folder retired beside
    # it: the next run puts it back before anything else, then replaces it whole.
    safeio.clean_leftovers(out)
    assert tree_digest(out) == old
    assert _export(project, out).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_ctrl_c_exits_130_and_leaves_nothing_behind(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    out = tmp_path / "dist"
    assert _export(project, out).exit_code == 0
    old = tree_digest(out)
    script = textwrap.dedent(
        f"""
        import sys, time
        from twinning import export
        real = export.write_files
        def slow(*args, **kwargs):
            real(*args, **kwargs)
            print("written", flush=True)
            time.sleep(60)
        export.write_files = slow
        from twinning.cli import main
        sys.argv = ["twinning", "export", "--root", {str(project)!r}, "--out", {str(out)!r},
                    "--date", "2026-01-02"]
        main()
        """
    )
    # Ctrl-C as a terminal delivers it: the child starts with SIGINT's default disposition
    # even when this test runs where SIGINT is ignored (a background job of a script).
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "written"
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == "Error: interrupted"
    assert tree_digest(out) == old
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_build_refuses_a_catalogue_that_breaks_dcat_ap(tmp_path: Path) -> None:
    """build validates the catalogue it wrote against the shipped DCAT-AP 3.0.1 shapes, before
    the folder is swapped in: a violation keeps the old dist/."""
    project = project_copy(tmp_path)
    shutil.copytree(ROOT / "data" / "catalog", project / "data" / "catalog", dirs_exist_ok=True)
    out = tmp_path / "dist"
    assert runner.invoke(main, ["build", "--root", str(project), "--out", str(out)]).exit_code == 0
    old = tree_digest(out)
    dcat = project / "data" / "catalog" / "dcat.ttl"
    text = dcat.read_text(encoding="utf-8")
    assert "dct:format filetype:CSV ;" in text
    dcat.write_text(
        text.replace("dct:format filetype:CSV ;", "dct:format <https://example.org/csv> ;", 1),
        encoding="utf-8",
    )
    result = runner.invoke(main, ["build", "--root", str(project), "--out", str(out)])
    assert_one_line_error(result, 1, "the catalogue breaks DCAT-AP 3.0.1")
    assert "https://example.org/csv" in result.stderr  # the report says what to fix
    assert tree_digest(out) == old


def test_a_dist_written_before_the_marker_existed_is_replaced(tmp_path: Path) -> None:
    """A dist/ holding only names the export writes (no marker yet) is ours: replaced."""
    project = project_copy(tmp_path)
    out = tmp_path / "dist"
    out.mkdir()
    for name in ("twinning.ttl", "agreements.csv", "catalog.ttl"):
        (out / name).write_text("old", encoding="utf-8")
    for command in ("build", "export"):
        result = runner.invoke(main, [command, "--root", str(project), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert (out / safeio.MARKER).exists()
        assert (out / "twinning.ttl").read_text(encoding="utf-8") != "old"


# ----------------------------------------------------------------------------- hostile RDF files

HOSTILE = FIXTURES / "hostile"


@pytest.mark.parametrize(
    ("name", "where", "fragment"),
    [
        ("unterminated.nt", "unterminated.nt:1:", "end of file"),
        ("unclosed.rdf", "unclosed.rdf:6:", "mismatched tag"),
        ("relative.rdf", "relative.rdf:3:", "no-scheme"),
        ("xxe.rdf", "xxe.rdf:2:1", "DTD or entity declarations"),
        ("broken.jsonld", "broken.jsonld:3:", "curly bracket"),
        ("latin1.rdf", "latin1.rdf:4:", "not UTF-8"),
        ("bad-date.rdf", "bad-date.rdf:5:", '"2012-13-45" is not a valid xsd:date'),
        ("relative.jsonld", "relative.jsonld:3:", "'no-base' and no @base"),
        ("space-in-iri.jsonld", "space-in-iri.jsonld:3:", "is not an IRI"),
        ("triple-term.ttl", "triple-term.ttl:3:1", "triple terms"),  # fmt, site crashed
        ("reifier.ttl", "reifier.ttl:3:", "triple terms"),
        ("direction.ttl", "direction.ttl:3:23", "directional strings"),  # fmt dropped --rtl
        ("latin1-declared.rdf", "latin1-declared.rdf:1:", "UTF-8 only"),
        ("bad-id.rdf", "bad-id.rdf:3:61", "x y is not a valid rdf:ID"),
    ],
)
def test_a_broken_rdf_file_is_one_line_with_file_line_column(
    name: str, where: str, fragment: str
) -> None:
    """Every format load accepts names the file, line and column, with a reason in words."""
    path = HOSTILE / name
    if not name.endswith(".ttl"):  # fmt takes Turtle only: the other parse path, directly
        error = _parse_file_error(path)
        assert (error.line, fragment in str(error)) == (int(where.split(":")[1]), True), error
    commands = [["validate"], ["fmt", "--check"]] if name.endswith(".ttl") else [["validate"]]
    for command in commands:
        result = runner.invoke(main, [*command, "--root", str(ROOT), str(path)])
        assert_one_line_error(result, 2, where)
        last = result.stderr.strip().splitlines()[-1]
        assert fragment in last, last
        assert "Parser error" not in last  # the location is said once, first


def test_a_byte_order_mark_is_read_and_fmt_drops_it(tmp_path: Path) -> None:
    """Editors on Windows save UTF-8 with a BOM: the file is read as the same Turtle."""
    path = tmp_path / "bom.ttl"
    shutil.copyfile(HOSTILE / "bom.ttl", path)
    result = runner.invoke(main, ["validate", "--root", str(ROOT), str(path)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(main, ["fmt", "--root", str(ROOT), str(path)]).exit_code == 0
    text = path.read_bytes()
    assert not text.startswith(b"\xef\xbb\xbf")
    assert b'<https://example.org/a>\n    <https://example.org/b> "c" .' in text


def test_triple_term_marks_inside_a_string_are_only_text(tmp_path: Path) -> None:
    path = tmp_path / "marks.ttl"
    shutil.copyfile(HOSTILE / "marks-in-a-string.ttl", path)
    assert runner.invoke(main, ["validate", "--root", str(ROOT), str(path)]).exit_code == 0
    assert runner.invoke(main, ["fmt", "--root", str(ROOT), str(path)]).exit_code == 0
    assert '"<<quoted>> {| not a term |}"' in path.read_text(encoding="utf-8")


def test_base_resolves_relative_iris_in_turtle_and_json_ld() -> None:
    """With @base, relative IRIs are read as the file means them, by both loaders."""
    from twinning import rdfio
    from twinning.load import load_files

    expected = {"https://example.org/base/a", "https://example.org/d"}
    for name in ("based.ttl", "based.jsonld"):
        (triple,) = rdfio.parse_file(HOSTILE / name)
        assert {triple.subject.value, triple.object.value} == expected
        graph = load_files([HOSTILE / name])
        assert {t.subject.value for t in graph.triples} == {"https://example.org/base/a"}


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The real command in a child process: a crash of the parser cannot take pytest down."""
    return subprocess.run(
        [sys.executable, "-m", "twinning", *args], capture_output=True, text=True, timeout=timeout
    )


def _parse_file_error(path: Path) -> CannotRun:
    """The error of the other parse path (`fmt`, shapes, catalogues), which `fmt` no longer
    reaches with other formats than Turtle."""
    with pytest.raises(CannotRun) as caught:
        rdfio.parse_file(path)
    return caught.value


PARSE_FILE_IN_CHILD = (
    "import sys; from pathlib import Path; from twinning import rdfio\n"
    "try:\n    rdfio.parse_file(Path(sys.argv[1]))\n"
    "except rdfio.RdfSyntaxError as err:\n    print(err.line, err.reason)"
)


def test_deep_nesting_is_refused_not_a_crash(tmp_path: Path) -> None:
    """JSON-LD or RDF/XML nested 100,000 deep crashed Oxigraph's parser (SIGSEGV, its stack)."""
    depth = 100_000
    deep_json = tmp_path / "deep.jsonld"
    deep_json.write_text(
        '{"@id": "https://example.org/a",\n "https://example.org/b": '
        + '{"https://example.org/c": ' * depth
        + "1"
        + "}" * depth
        + "}\n",
        encoding="utf-8",
    )
    deep_xml = tmp_path / "deep.rdf"
    deep_xml.write_text(
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:ex="https://example.org/">\n<rdf:Description rdf:about="https://example.org/a">'
        + "<ex:b><rdf:Description>" * depth + "</rdf:Description></ex:b>" * depth
        + "</rdf:Description></rdf:RDF>\n",
        encoding="utf-8",
    )  # fmt: skip
    for path, line in ((deep_json, 2), (deep_xml, 3)):
        done = _run("validate", "--root", str(ROOT), str(path))
        assert done.returncode == 2, (path.name, done.returncode, done.stderr[-500:])
        last = done.stderr.strip().splitlines()[-1]
        assert last.startswith(f"Error: {path}:{line}:"), last
        assert "nested deeper than" in last, last
        command = [sys.executable, "-c", PARSE_FILE_IN_CHILD, str(path)]
        parsed = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert parsed.returncode == 0, (path.name, parsed.returncode, parsed.stderr[-500:])
        assert parsed.stdout.startswith(f"{line} nested deeper than"), parsed.stdout


def test_a_literal_longer_than_the_parser_takes_is_one_line(tmp_path: Path) -> None:
    """Oxigraph's parser stops at a term of 16 MiB with a MemoryError: an internal error."""
    path = tmp_path / "long.ttl"
    path.write_text(
        '@prefix ex: <https://example.org/> .\n\nex:a ex:b "' + "x" * (17 * 1024 * 1024) + '" .\n',
        encoding="utf-8",
    )
    for command in (["validate"], ["fmt", "--check"]):
        result = runner.invoke(main, [*command, "--root", str(ROOT), str(path)])
        assert_one_line_error(result, 2, f"{path}:3:")
        assert "longer than" in result.stderr.strip().splitlines()[-1]


def test_a_remote_json_ld_context_is_not_fetched(tmp_path: Path) -> None:
    """A @context or @import naming a URL is refused, located; the server sees no request."""
    import http.server
    import threading

    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            body = b'{"@context": {"name": "https://example.org/name"}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = str(server.server_address[1])
        for name, line in (("remote-context.jsonld", 2), ("import-context.jsonld", 4)):
            path = tmp_path / name
            text = (HOSTILE / f"{name}.in").read_text(encoding="utf-8")
            path.write_text(text.replace("PORT", port), encoding="utf-8")
            result = runner.invoke(main, ["validate", "--root", str(ROOT), str(path)])
            assert_one_line_error(result, 2, f"{path}:{line}:")
            assert "is not fetched" in result.stderr.strip().splitlines()[-1]
            error = _parse_file_error(path)
            assert error.line == line and "is not fetched" in str(error), error
    finally:
        server.shutdown()
        server.server_close()
    assert requests == []


def test_an_iri_json_ld_would_misread_stops_the_export_and_keeps_the_old_folder(
    tmp_path: Path,
) -> None:
    """``<region:cluj>`` (a prefixed name written in ``<>``) is an IRI of the scheme
    ``region``: the JSON-LD export wrote it as ``region:cluj``, which reads back as
    ``https://w3id.org/twinning/id/region/cluj``, a fact the Turtle does not state."""
    project = project_copy(tmp_path)
    out = tmp_path / "dist"
    assert _export(project, out).exit_code == 0
    old = tree_digest(out)
    (project / "data" / "zz-misread.ttl").write_text(
        "<https://w3id.org/twinning/id/region/zz> <https://example.org/p> <region:cluj> .\n",
        encoding="utf-8",
    )
    result = _export(project, out)
    assert_one_line_error(result, 1, "<region:cluj> cannot be written as JSON-LD")
    assert tree_digest(out) == old
    (project / "data" / "zz-misread.ttl").unlink()
    context = project / "ontology" / "context.jsonld"
    context.write_text('{"@context": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    assert_one_line_error(_export(project, out), 2, "context.jsonld: nested too deeply")
    assert tree_digest(out) == old


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"abc"', "latitude 'abc' is not a number from -90 to 90"),  # was an internal error
        ('"NaN"', "latitude 'NaN' is not a number"),  # was NaN in twinning.geojson: not JSON
        ('"200"^^xsd:decimal', "latitude '200' is not a number"),  # was a point off the globe
        ("<https://example.org/x>", "latitude '<https://example.org/x>' is not"),
        ('"46.5"^^xsd:decimal', "has two different points"),  # was the first the engine gave
    ],
)
def test_a_coordinate_no_map_can_carry_stops_the_export(
    tmp_path: Path, value: str, message: str
) -> None:
    project = project_copy(tmp_path)
    out = tmp_path / "dist"
    (project / "data" / "zz-point.ttl").write_text(
        "@prefix schema: <https://schema.org/> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        f"<https://w3id.org/twinning/id/coordinates/cluj> schema:latitude {value} .\n",
        encoding="utf-8",
    )
    assert_one_line_error(_export(project, out), 1, message)
    assert not out.exists()


@pytest.mark.parametrize(
    ("base_url", "fragment"),
    [
        ('https://example.org/"x/', "is not a valid IRI"),  # was an internal error
        ("https://example.org/x{}/", "is not a valid IRI"),
        ("https://example.org/x y/\nRewriteRule .* http://elsewhere/", "not an http(s) URL"),
    ],
)
@pytest.mark.parametrize("command", ["site", "export", "build"])
def test_a_base_url_that_is_no_iri_is_refused_before_any_work(
    tmp_path: Path, base_url: str, fragment: str, command: str
) -> None:
    """The base URL starts the catalogue's IRIs and is written into the server rules; the
    export and build took a quote or braces for an URL and failed deep in the catalogue."""
    out = tmp_path / "out"
    result = runner.invoke(
        main, [command, "--root", str(ROOT), "--out", str(out), "--base-url", base_url]
    )
    assert_one_line_error(result, 2, fragment)
    assert not out.exists()


def test_an_empty_data_file_is_valid_and_canonical(tmp_path: Path) -> None:
    """fmt --check called an empty file not canonical, and fmt wrote two blank lines in it."""
    project = project_copy(tmp_path)
    empty = project / "data" / "zz-empty.ttl"
    empty.write_bytes(b"")
    for command in (["validate"], ["fmt", "--check"], ["fmt"]):
        result = runner.invoke(main, [*command, "--root", str(project)])
        assert result.exit_code == 0, (command, result.output)
    assert empty.read_bytes() == b""


def test_findings_in_hand_written_turtle_name_file_and_line() -> None:
    """Curated Turtle not written by `twinning fmt` (BASE and relative IRIs, a tab after the
    subject, rdf:type): each finding still sends the curator to the subject's line."""
    path = HOSTILE / "hand-written.ttl"
    result = runner.invoke(main, ["validate", "--root", str(ROOT), "--format", "json", str(path)])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    lines = {
        f["focus"].rsplit("/", 1)[1]: (f["file"], f["line"])
        for f in report["findings"]
        if f["path"] == "https://w3id.org/twinning/ontology#kind"
    }
    where = str(path.relative_to(ROOT))
    assert lines == {"hand-a": (where, 8), "hand-b": (where, 11)}


def test_a_literal_or_blank_node_where_a_country_belongs_is_reported_not_a_crash(
    tmp_path: Path,
) -> None:
    """`tw:country "RO"` (a code typed where the country's IRI belongs) stopped `export` and
    `site` with an internal error while reading the regions' table and the catalogue's
    countries; `validate` reports it, and the export and the site leave it out."""

    def spatial(folder: Path) -> str:
        catalog = (folder / "catalog.ttl").read_text(encoding="utf-8")
        return catalog.split("dcterms:spatial", 1)[1].split(";", 1)[0]

    clean = tmp_path / "clean"
    assert _export(project_copy(tmp_path / "a"), clean).exit_code == 0
    project = project_copy(tmp_path / "b")
    (project / "data" / "zz-country.ttl").write_text(
        "<https://w3id.org/twinning/id/region/cluj> "
        '<https://w3id.org/twinning/ontology#country> "RO", [] .\n',
        encoding="utf-8",
    )
    result = runner.invoke(main, ["validate", "--root", str(project)])
    assert result.exit_code == 1, result.output
    assert "Violation tw:country" in result.output
    out = tmp_path / "dist"
    assert _export(project, out).exit_code == 0
    assert (out / "regions.csv").read_bytes() == (clean / "regions.csv").read_bytes()
    assert spatial(out) == spatial(clean) and "country:ROU" in spatial(out)
    result = runner.invoke(main, ["site", "--root", str(project), "--out", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output


def test_fmt_refuses_a_file_that_is_not_turtle(tmp_path: Path) -> None:
    """`fmt FILE.jsonld` wrote canonical Turtle under the JSON-LD file's name, so the next
    read of it failed."""
    project = project_copy(tmp_path)
    data = project / "data" / "extra.jsonld"
    data.write_text('{"@id": "https://example.org/a", "https://example.org/p": "x"}\n')
    before = data.read_bytes()
    for extra in ([], ["--check"]):
        result = runner.invoke(main, ["fmt", *extra, "--root", str(project), str(data)])
        assert_one_line_error(result, 2, "is not a .ttl file")
    assert data.read_bytes() == before


def test_fmt_changes_no_file_when_one_of_them_is_broken(tmp_path: Path) -> None:
    """The files were rewritten one by one, so those before a broken one were changed and
    those after it were not."""
    project = project_copy(tmp_path)
    untidy = project / "data" / "a-untidy.ttl"
    untidy.write_text(
        "<https://example.org/b> <https://example.org/p> 'x' .\n"
        "<https://example.org/a> <https://example.org/p> 'y' .\n",
        encoding="utf-8",
    )
    broken = project / "data" / "b-broken.ttl"
    broken.write_text("<https://example.org/a> <https://example.org/p> .\n", encoding="utf-8")
    before = tree_digest(project / "data")
    result = runner.invoke(main, ["fmt", "--root", str(project), str(untidy), str(broken)])
    assert_one_line_error(result, 2, "b-broken.ttl:1")
    assert tree_digest(project / "data") == before
    result = runner.invoke(main, ["fmt", "--root", str(project), str(untidy)])
    assert result.exit_code == 0, result.output
    assert hashlib.sha256(untidy.read_bytes()).hexdigest() != before[untidy.name]


def test_rdf_12_is_refused_in_a_file_with_a_byte_order_mark_too(tmp_path: Path) -> None:
    """A file with a BOM is loaded from memory: RDF 1.2 in it is refused as elsewhere."""
    path = tmp_path / "bom-triple-term.ttl"
    path.write_bytes(rdfio.BOM + (HOSTILE / "triple-term.ttl").read_bytes())
    result = runner.invoke(main, ["validate", "--root", str(ROOT), str(path)])
    assert_one_line_error(result, 2, f"{path}:3:")
    assert "triple terms" in result.stderr.strip().splitlines()[-1]
