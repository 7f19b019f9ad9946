"""data.europa.eu's Metadata Quality Assessment (MQA), computed on our own catalogue.

The portal scores every harvested dataset on 22 indicators worth 405 points. The indicators,
their points and how each is checked are listed in ``data/catalog/mqa.toml``; this module
applies them to a catalogue file. Every indicator is checked offline except the two that
need the files to answer on the web (80 points): those are checked with ``online=True`` by
an HTTP HEAD request to each access and download URL (or to the same file names under
another base URL, to test a copy before it is published).

A distribution indicator is earned only when every distribution of the dataset meets it,
the strict reading: the score never flatters the record.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import rdfio, terms
from .errors import CannotRun

INDICATORS_FILE = Path("data") / "catalog" / "mqa.toml"
SHAPES_DIR = Path("data") / "catalog" / "dcat-ap-3.0.1"
MAXIMUM = 405
DCAT = terms.PREFIXES["dcat"]
DCT = terms.PREFIXES["dcterms"]


@dataclass(frozen=True)
class Indicator:
    id: str
    dimension: str
    points: int
    on: str
    predicate: str
    check: str
    vocabulary: tuple[str, ...] = ()

    @property
    def online_only(self) -> bool:
        return self.check == "answers"


@dataclass
class Result:
    indicator: Indicator
    earned: int
    checked: bool
    note: str = ""


@dataclass
class Score:
    dataset: str
    results: list[Result] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(r.earned for r in self.results)

    @property
    def checkable(self) -> int:
        return sum(r.indicator.points for r in self.results if r.checked)


@dataclass(frozen=True)
class Formats:
    file_type: str
    media_type: tuple[str, ...]
    non_proprietary: frozenset[str]
    machine_readable: frozenset[str]


def load_indicators(root: Path) -> tuple[list[Indicator], Formats]:
    path = root / INDICATORS_FILE
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    indicators = [
        Indicator(
            id=i["id"],
            dimension=i["dimension"],
            points=i["points"],
            on=i["on"],
            predicate=_expand(i["property"]),
            check=i["check"],
            vocabulary=tuple(i.get("vocabulary", ())),
        )
        for i in table["indicator"]
    ]
    f = table["formats"]
    formats = Formats(
        file_type=f["file_type"],
        media_type=tuple(f["media_type"]),
        non_proprietary=frozenset(f["file_type"] + c for c in f["non_proprietary"]),
        machine_readable=frozenset(f["file_type"] + c for c in f["machine_readable"]),
    )
    return indicators, formats


def _expand(curie: str) -> str:
    if not curie:
        return ""
    prefix, local = curie.split(":", 1)
    return terms.PREFIXES[prefix] + local


class _Catalog:
    """The parsed catalogue, with the few lookups the indicators need."""

    def __init__(self, path: Path):
        self.path = path
        self.store = ox.Store()
        self.store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in rdfio.parse_file(path))

    def subjects(self, cls: str) -> list[str]:
        quads = self.store.quads_for_pattern(
            None, ox.NamedNode(terms.RDF_TYPE), ox.NamedNode(cls), None
        )
        return sorted({q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)})

    def values(self, subject: str, predicate: str) -> list[str]:
        quads = self.store.quads_for_pattern(
            ox.NamedNode(subject), ox.NamedNode(predicate), None, None
        )
        return sorted(q.object.value for q in quads)  # type: ignore[union-attr]


def _dcat_ap_violations(root: Path, path: Path) -> int:
    """Violations of the DCAT-AP 3.0.1 shapes (pySHACL, never following owl:imports)."""
    import pyshacl
    import rdflib
    from rdflib.namespace import SH

    shapes = rdflib.Graph()
    for shape_file in sorted((root / SHAPES_DIR).glob("*.ttl")):
        shapes.parse(shape_file, format="turtle")
    data = rdflib.Graph().parse(path, format="json-ld" if path.suffix == ".jsonld" else "turtle")
    _conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True, do_owl_imports=False
    )
    return sum(
        1
        for r in report.objects(None, SH.result)
        if report.value(r, SH.resultSeverity) == SH.Violation
    )


def answers(url: str, timeout: float) -> str:
    """'' when the URL answers 2xx/3xx to HEAD (GET where HEAD is refused) within
    ``timeout`` seconds, else the reason; through the project's one HTTP layer."""
    from . import http

    if not url.startswith(("http://", "https://")):
        return f"{url} is not an HTTP(S) URL"  # never open file: or other schemes
    deadline = http.Deadline(timeout)
    for method in ("HEAD", "GET"):
        try:
            code = http.status(method, url, deadline)
        except http.EndpointError as err:
            return f"does not answer: {err}"
        if method == "HEAD" and code in (405, 501):
            continue
        return "" if 200 <= code < 400 else f"{http.redact(url)} answers {code}"
    return f"{http.redact(url)} does not answer"


def _rebase(url: str, base_url: str | None) -> str:
    if not base_url:
        return url
    return base_url.rstrip("/") + "/" + url.rstrip("/").rsplit("/", 1)[-1]


def _passes(indicator: Indicator, values: list[str], formats: Formats, media: list[str]) -> bool:
    check = indicator.check
    if check == "present":
        return bool(values)
    if check == "vocabulary":
        return bool(values) and all(v.startswith(indicator.vocabulary) for v in values)
    if check == "format-and-media-type":
        return (
            bool(values)
            and bool(media)
            and all(v.startswith(formats.file_type) for v in values)
            and all(m.startswith(formats.media_type) for m in media)
        )
    if check == "non-proprietary":
        return any(v in formats.non_proprietary for v in values)
    if check == "machine-readable":
        return any(v in formats.machine_readable for v in values)
    raise ValueError(f"unknown MQA check {check!r} in {INDICATORS_FILE}")


def score(
    root: Path,
    catalog_file: Path,
    *,
    online: bool = False,
    base_url: str | None = None,
    timeout: float = 10.0,
) -> list[Score]:
    """Score every dcat:Dataset of a catalogue file; reachability only when ``online``."""
    if base_url and not online:
        raise CannotRun("--base-url is where to check the links: give --online too")
    if base_url and not base_url.startswith(("http://", "https://")):
        raise CannotRun(f"--base-url {base_url!r} is not an HTTP(S) URL")
    if not catalog_file.is_file():
        raise CannotRun("no such catalogue file: run `twinning build` first", path=catalog_file)
    indicators, formats = load_indicators(root)
    catalog = _Catalog(catalog_file)
    datasets = catalog.subjects(DCAT + "Dataset")
    if not datasets:
        raise CannotRun("the file describes no dcat:Dataset", path=catalog_file)
    violations = _dcat_ap_violations(root, catalog_file)
    reachable: dict[str, str] = {}
    scores = []
    for dataset in datasets:
        distributions = catalog.values(dataset, DCAT + "distribution")
        result = Score(dataset)
        for indicator in indicators:
            if indicator.check == "dcat-ap":
                ok = violations == 0
                note = "" if ok else f"{violations} violation(s) of the DCAT-AP 3.0.1 shapes"
                result.results.append(Result(indicator, indicator.points * ok, True, note))
                continue
            if indicator.online_only and not online:
                result.results.append(Result(indicator, 0, False, "not checked: needs --online"))
                continue
            if indicator.on == "dataset":
                ok = _passes(indicator, catalog.values(dataset, indicator.predicate), formats, [])
                result.results.append(Result(indicator, indicator.points * ok, True))
                continue
            failing = []
            for distribution in distributions:
                values = catalog.values(distribution, indicator.predicate)
                if indicator.online_only:
                    problems = [
                        reachable.setdefault(u, answers(_rebase(u, base_url), timeout))
                        for u in values
                    ]
                    ok = bool(values) and not any(problems)
                else:
                    media = catalog.values(distribution, DCAT + "mediaType")
                    ok = _passes(indicator, values, formats, media)
                if not ok:
                    failing.append(distribution)
            ok = bool(distributions) and not failing
            note = "" if ok else f"{len(failing)} of {len(distributions)} distribution(s) fail"
            result.results.append(Result(indicator, indicator.points * ok, True, note))
        scores.append(result)
    return scores


def render(scores: list[Score]) -> str:
    """The table people read: one line per indicator, then the total out of 405."""
    lines = []
    for result in scores:
        lines.append(f"dataset {result.dataset}")
        width = max(len(r.indicator.id) for r in result.results)
        for r in result.results:
            mark = (
                f"{r.earned:>3} / {r.indicator.points:<3}"
                if r.checked
                else "  - / " + (f"{r.indicator.points:<3}")
            )
            note = f"  {r.note}" if r.note else ""
            line = f"  {r.indicator.dimension:<16} {r.indicator.id:<{width}} {mark}{note}"
            lines.append(line.rstrip())
        lines.append(
            f"  total {result.total} / {MAXIMUM}"
            + ("" if result.checkable == MAXIMUM else f" ({result.checkable} checkable offline)")
        )
    return "\n".join(lines) + "\n"


def as_dict(scores: list[Score]) -> list[dict[str, Any]]:
    """The same, for ``--format json``."""
    return [
        {
            "dataset": s.dataset,
            "total": s.total,
            "maximum": MAXIMUM,
            "indicators": [
                {
                    "id": r.indicator.id,
                    "dimension": r.indicator.dimension,
                    "points": r.indicator.points,
                    "earned": r.earned,
                    "checked": r.checked,
                    "note": r.note,
                }
                for r in s.results
            ],
        }
        for s in scores
    ]
