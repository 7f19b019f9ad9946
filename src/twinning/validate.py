"""Validating the graph with the SHACL shapes in ``shapes/``, and reports a curator can act on.

pySHACL does the checking. This module turns its report into :class:`Finding` objects that know
the resource's label and the file and line where it is written, groups them by resource and
renders them as text, JSON or the SHACL report graph itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH

from . import rdfio, shacl_paths, terms
from .errors import CannotRun
from .load import AsWritten, LoadedGraph

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


def shape_files(root: Path) -> list[Path]:
    """The SHACL shapes of the project."""
    return sorted((root / "shapes").glob("*.ttl"))


@dataclass(frozen=True)
class Finding:
    """One validation result, in terms a curator can act on."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    message: str
    component: str
    shape: str
    label: str | None = None
    file: str | None = None
    line: int | None = None

    def sort_key(self) -> tuple[str, int, str, str, str, str]:
        return (
            self.file or "~",
            self.line or 0,
            self.focus,
            self.path or "",
            self.component,
            self.value or "",
        )


@dataclass
class Report:
    """All findings of one validation run, plus the SHACL report graph."""

    findings: list[Finding]
    report_graph: rdflib.Graph = field(repr=False)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Warning"]

    @property
    def conforms(self) -> bool:
        """No violations (warnings are allowed)."""
        return not self.violations


def to_rdflib(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    """Copy Oxigraph triples into an rdflib graph (for pySHACL)."""
    graph = rdflib.Graph()
    for triple in triples:
        subject = _rdflib_term(triple.subject)
        graph.add((subject, rdflib.URIRef(triple.predicate.value), _rdflib_term(triple.object)))
    return graph


def _rdflib_term(term: object) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        # normalize=False: keep the lexical form ("1"^^xsd:boolean is not "true"^^xsd:boolean).
        if term.language:
            return rdflib.Literal(term.value, lang=term.language, normalize=False)
        datatype = rdflib.URIRef(term.datatype.value)
        return rdflib.Literal(term.value, datatype=datatype, normalize=False)
    raise TypeError(f"unsupported term {term!r}")


def load_shapes(root: Path) -> rdflib.Graph:
    """The shapes graph (parsed with rdflib, as pySHACL needs it)."""
    shapes = rdflib.Graph()
    for path in shape_files(root):
        shapes.parse(path, format="turtle")
    return shapes


ENGINES = ("sparql", "pyshacl")
# A LoadedGraph comes from the loader, which refuses ill-formed literals of these datatypes.
LOADER_CHECKED_DATATYPES = frozenset(terms.XSD + local for local in rdfio.CHECKED_DATATYPES)


def validate_graph(
    graph: LoadedGraph,
    shapes: rdflib.Graph,
    engine: str = "sparql",
) -> Report:
    """Validate the graph against the shapes and describe every result.

    ``sparql`` (the default) compiles the shapes into SPARQL run by Oxigraph and scales to
    millions of triples; ``pyshacl`` is the reference implementation. Both give the same
    findings (a test checks this on the shipped data and every broken fixture).
    Both judge and report the literals as the files wrote them (:attr:`LoadedGraph.written`),
    where the store keeps another form (Oxigraph keeps an xsd:byte as an xsd:integer).
    """
    if engine == "pyshacl":
        graph.check_literals()
        raw = _run_pyshacl(graph.written.triples(graph.triples), shapes)
    elif engine == "sparql":
        from . import shacl_sparql

        # The loader's scan for ill-formed literals, if it was left to us, runs on a thread
        # of its own beside the compiled checks (Oxigraph evaluates without Python's lock).
        literal_check = ThreadPoolExecutor(max_workers=1)
        checked = literal_check.submit(graph.check_literals)
        literal_check.shutdown(wait=False)
        raw = [
            (
                r.severity,
                shacl_sparql.term_id(r.focus),
                r.path,
                str(r.value) if r.value is not None else None,
                r.message,
                r.component,
                r.shape,
            )
            for r in shacl_sparql.run(shapes, graph.store, LOADER_CHECKED_DATATYPES, graph.written)
        ]
        checked.result()  # an ill-formed literal is refused as the loader refuses it
    else:
        raise ValueError(f"unknown validation engine {engine!r}; choose one of {ENGINES}")
    labels = _Labels(graph)
    findings = []
    for severity, focus, path, value, message, component, shape in raw:
        location = graph.location(focus)
        findings.append(
            Finding(
                severity=severity,
                focus=focus,
                path=path,
                value=value,
                message=message,
                component=component,
                shape=shape,
                label=labels.get(focus),
                file=str(location[0]) if location else None,
                line=location[1] if location else None,
            )
        )
    findings.sort(key=Finding.sort_key)
    return Report(findings=findings, report_graph=report_graph(findings))


Raw = tuple[str, str, str | None, str | None, str, str, str]


def _run_pyshacl(triples: Iterable[ox.Triple], shapes: rdflib.Graph) -> list[Raw]:
    import pyshacl

    from . import shacl_sparql

    _conforms, report, _text = pyshacl.validate(
        to_rdflib(triples),
        shacl_graph=shapes,
        inference="none",
        allow_warnings=True,
        advanced=True,
    )
    assert isinstance(report, rdflib.Graph)
    raw: list[Raw] = []
    # Only the report's own results: pySHACL also types the nested sh:detail results.
    for result in report.objects(None, SH.result):
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        message = report.value(result, SH.resultMessage)
        shape = report.value(result, SH.sourceShape)
        focus = report.value(result, SH.focusNode)
        assert focus is not None
        severity = str(report.value(result, SH.resultSeverity))
        raw.append(
            (
                severity.removeprefix(str(SH)),
                str(focus) if isinstance(focus, rdflib.URIRef) else _ntriples(focus),
                shacl_paths.from_report(report, path) if path is not None else None,
                _ntriples(value) if value is not None else None,
                str(message) if message is not None else "",
                str(report.value(result, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
                shacl_sparql.term_id(shape) if shape is not None else "",
            )
        )
    return raw


# ----------------------------------------------------------------------------- DCAT-AP

# The DCAT-AP 3.0.1 profile the EU testbed calls "Full" without the deprecation checks: base
# shapes, ranges, recommendations and controlled vocabularies (never the owl:imports files).
DCAT_AP_SHAPES = ("shapes.ttl", "range.ttl", "shapes_recommended.ttl", "mdr-vocabularies.shape.ttl")


def dcat_ap_folder(root: Path) -> Path:
    """Where the official DCAT-AP 3.0.1 shapes are: the shared folder beside the checkout."""
    return root.parent / "shared" / "standards" / "dcat-ap-3"


def load_dcat_ap_shapes(folder: Path, names: Iterable[str] = DCAT_AP_SHAPES) -> rdflib.Graph:
    """The official DCAT-AP 3.0.1 shapes ``names`` (default :data:`DCAT_AP_SHAPES`), read from
    ``folder``; a missing or broken file is one located line."""
    triples: list[ox.Triple] = []
    for name in names:
        path = folder / name
        if not path.is_file():
            raise CannotRun(f"the DCAT-AP 3.0.1 shapes are missing ({name})", path=path)
        # Oxigraph parses (syntax errors located), rdflib gets the triples: rdflib's own
        # parser took most of the time `build` spends on small data checking its catalogue.
        triples += rdfio.parse_file(path)
    return to_rdflib(triples)


def validate_catalog(
    root: Path, catalog: Path, engine: str = "sparql", shapes: rdflib.Graph | None = None
) -> Report:
    """Validate a DCAT-AP catalogue file (``dist/catalog.ttl``) against DCAT-AP 3.0.1.

    ``shapes`` default to :func:`load_dcat_ap_shapes` of :func:`dcat_ap_folder` (give others,
    e.g. a national profile, to check against those). Findings point at the catalogue's
    file and lines; both engines give the same findings.
    """
    if shapes is None:
        shapes = load_dcat_ap_shapes(dcat_ap_folder(root))
    triples = rdfio.parse_file(catalog)
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    locations: dict[str, tuple[Path, int]] = {}
    if catalog.suffix == ".ttl":
        text = catalog.read_text(encoding="utf-8")
        locations = {iri: (catalog, line) for iri, line in rdfio.subject_lines(text).items()}
    written = AsWritten()
    written.add(triples)
    graph = LoadedGraph(store=store, files=[catalog], locations=locations, written=written)
    return validate_graph(graph, shapes, engine)


def _ntriples(term: rdflib.term.Node) -> str:
    """The N-Triples form of an rdflib term, as Oxigraph writes it."""
    if isinstance(term, rdflib.URIRef):
        return str(ox.NamedNode(str(term)))
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    assert isinstance(term, rdflib.Literal)
    if term.language:
        return str(ox.Literal(str(term), language=term.language))
    datatype = str(term.datatype or rdflib.XSD.string)
    return str(ox.Literal(str(term), datatype=ox.NamedNode(datatype)))


def report_graph(findings: list[Finding]) -> rdflib.Graph:
    """The findings as a W3C SHACL validation report graph."""
    graph = rdflib.Graph()
    graph.bind("sh", SH)
    report = rdflib.BNode("report")
    graph.add((report, rdflib.RDF.type, SH.ValidationReport))
    conforms = not any(f.severity == "Violation" for f in findings)
    graph.add((report, SH.conforms, rdflib.Literal(conforms)))
    for index, finding in enumerate(findings):
        result = rdflib.BNode(f"result{index}")
        graph.add((report, SH.result, result))
        graph.add((result, rdflib.RDF.type, SH.ValidationResult))
        graph.add((result, SH.focusNode, _from_text(finding.focus)))
        if finding.path:
            graph.add((result, SH.resultPath, shacl_paths.from_text(finding.path).to_rdf(graph)))
        if finding.value:
            graph.add((result, SH.value, _from_ntriples(finding.value)))
        graph.add((result, SH.resultSeverity, SH[finding.severity]))
        graph.add((result, SH.resultMessage, rdflib.Literal(finding.message)))
        component = (
            rdflib.URIRef(finding.component) if ":" in finding.component else SH[finding.component]
        )
        graph.add((result, SH.sourceConstraintComponent, component))
        if finding.shape:
            graph.add((result, SH.sourceShape, _from_text(finding.shape)))
    return graph


def _from_text(text: str) -> rdflib.term.Node:
    """A node named as :func:`shacl_core.term_id` names it (IRI, ``_:id`` or N-Triples)."""
    if text.startswith("_:"):
        return rdflib.BNode(text[2:])
    if text.startswith('"'):
        return _from_ntriples(text)
    return rdflib.URIRef(text)


def _from_ntriples(text: str) -> rdflib.term.Node:
    parsed = list(ox.parse(f"<urn:s> <urn:p> {text} .", format=ox.RdfFormat.N_TRIPLES))
    obj = parsed[0].object
    if isinstance(obj, ox.NamedNode):
        return rdflib.URIRef(obj.value)
    if isinstance(obj, ox.BlankNode):
        return rdflib.BNode(obj.value)
    assert isinstance(obj, ox.Literal)
    if obj.language:
        return rdflib.Literal(obj.value, lang=obj.language)
    return rdflib.Literal(obj.value, datatype=rdflib.URIRef(obj.datatype.value))


class _Labels:
    """Labels for showing resources, read from the store on demand."""

    def __init__(self, graph: LoadedGraph):
        self.store = graph.store

    def get(self, iri: str) -> str | None:
        """The English label if there is one, else any label (none for blank nodes, literals)."""
        if iri.startswith(("_:", '"')):
            return None
        node = ox.NamedNode(iri)
        for prop in _LABEL_PROPERTIES:
            labels = [
                q.object
                for q in self.store.quads_for_pattern(node, ox.NamedNode(prop), None, None)
                if isinstance(q.object, ox.Literal)
            ]
            if labels:
                labels.sort(key=lambda lit: (lit.language != "en", lit.value))
                return labels[0].value
        return None


_LABEL_PROPERTIES = [
    terms.SKOS_PREF_LABEL,
    terms.RDFS_LABEL,
    terms.DCT_TITLE,
    terms.PREFIXES["schema"] + "name",
]


# ----------------------------------------------------------------------------- rendering


def short(iri: str | None) -> str:
    """A prefixed name for an IRI when one of our prefixes fits."""
    if iri is None:
        return "-"
    best = ""
    for prefix, namespace in terms.PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(best.split("|", 1)[-1]):
            best = f"{prefix}|{namespace}"
    if not best:
        return iri
    prefix, namespace = best.split("|", 1)
    return f"{prefix}:{iri[len(namespace) :]}"


def render_text(report: Report, root: Path | None = None) -> str:
    """Findings grouped by resource, violations first, then a one-line summary."""
    groups: dict[str, list[Finding]] = {}

    def order(finding: Finding) -> tuple[int, tuple[str, int, str, str, str, str]]:
        return SEVERITY_ORDER.get(finding.severity, 3), finding.sort_key()

    for finding in sorted(report.findings, key=order):
        groups.setdefault(finding.focus, []).append(finding)
    lines: list[str] = []
    for focus, findings in groups.items():
        first = findings[0]
        where = _relative(first.file, root)
        heading = short(focus)
        if first.label:
            heading += f'  "{first.label}"'
        if where:
            heading += f"  ({where}:{first.line})"
        lines.append(heading)
        for finding in findings:
            shown = finding.value and finding.value != f"<{finding.focus}>"
            value = f"  [value {finding.value}]" if shown else ""
            lines.append(
                f"  {finding.severity:<9} {short(finding.path):<22} {finding.message}{value}"
            )
        lines.append("")
    lines.append(summary(report))
    return "\n".join(lines)


def summary(report: Report) -> str:
    n_v, n_w = len(report.violations), len(report.warnings)
    verdict = "conforms" if report.conforms else "does not conform"
    return f"{verdict}: {n_v} violation(s), {n_w} warning(s)"


def render_json(report: Report, root: Path | None = None) -> str:
    findings = []
    for finding in report.findings:
        record = asdict(finding)
        record["file"] = _relative(finding.file, root)
        findings.append(record)
    document = {
        "conforms": report.conforms,
        "violations": len(report.violations),
        "warnings": len(report.warnings),
        "findings": findings,
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def render_turtle(report: Report) -> str:
    return report.report_graph.serialize(format="turtle")


def _relative(file: str | None, root: Path | None) -> str | None:
    if file is None:
        return None
    if root is not None:
        try:
            return str(Path(file).resolve().relative_to(root.resolve()))
        except ValueError:
            return file
    return file
