"""Importing a council's table of agreements (``twinning import``) into ``data/``.

The table has the columns of ``dist/agreements.csv`` (CSV or ``.xlsx``), one row per
agreement. A row with an ``id`` updates that agreement; a row without one adds an agreement
whose IRI is made from its content (home, partner, kind, year), never from its position.

The round trip is lossless by construction: each cell is compared with what the export writes
for the same agreement today, and only cells that differ change the graph, so an unchanged
table changes no byte of ``data/``, and an edited cell changes exactly its fact. What the table
cannot say (signatories, events, quotes, further titles) is never touched.

Parties may be written as an IRI, a CURIE, a Wikidata id or any name of a region we have; a
new name goes through the name linker (:class:`twinning.link.NameLinker`), and a linked region
is created with its item, ISO 3166-2 code, native and English names and coordinates read from
the endpoint. Names the linker cannot decide are held for review with their candidates; their
rows are not imported. Every bad cell is reported at once as ``TABLE:row:column: reason``, and
nothing is written when any cell is bad.
"""

from __future__ import annotations

import datetime as _dt
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import fmt, geo, link, rdfio, safeio, sssom, table_read, tables, terms
from .errors import CannotRun, DataProblem
from .load import LoadedGraph, data_files, load_project, mapping_files
from .sparql_client import Endpoint, EndpointError

COLUMNS = tables.AGREEMENT_COLUMNS
REQUIRED_COLUMNS = ("home", "kind", "title", "parties", "source")
REQUIRED_FOR_NEW = ("home", "kind", "title", "title_lang", "parties", "source")
SEPARATOR = tables.SEPARATOR.strip()
DATE_HELP = "use YYYY-MM-DD, YYYY-MM or YYYY; DD.MM.YYYY is also read"
XSD_DATE = terms.XSD + "date"
XSD_GYEAR = terms.XSD + "gYear"
DECISION_YEAR = terms.tw("decisionYear")
DATE_COLUMNS = {
    "signed": terms.SIGNING_DATE,
    "started": terms.tw("startDate"),
    "ended": terms.END_DATE,
    "date": tables.DCT_DATE,
}
PROV_DERIVED = terms.PREFIXES["prov"] + "wasDerivedFrom"
PAV_RETRIEVED_ON = terms.PREFIXES["pav"] + "retrievedOn"
MAPPING_SET = "https://w3id.org/twinning/mappings/wikidata"
IMPORT_HEADER = "Imported by `twinning import` from {table}."
MAX_REASON = 1000  # characters of a problem's reason (the accepted kinds take 400)
# Characters no cell means: C0 and C1 controls (but tab and line breaks) and non-characters.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# A source cell that is a web address (also recorded as the source's schema:url).
_WEB_ADDRESS = re.compile(r"https?://\S+$")
# What spreadsheet programs run as a formula ("CSV injection"): =, +, @, or - before a word.
_FORMULA = re.compile(r"[=+@]|-[^\d\s.-]")
# What Excel and LibreOffice show (and save in CSV) when a formula fails.
SPREADSHEET_ERRORS = frozenset(
    ["#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "Err:502"]
)


class TableProblems(DataProblem):
    """Bad cells of a table: every one of them, one line each; nothing was written."""

    def __init__(self, table: Path, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in {table}; nothing was written")
        self.details = "\n".join(problems)


@dataclass
class HeldName:
    """A party name the linker could not decide: its row is held for a person to review."""

    row: int
    column: str
    name: str
    country: str
    result: link.NameResult

    def lines(self) -> list[str]:
        head = f"row {self.row} {self.column}: {self.name!r} ({self.country}) {self.result.status}"
        return [head] + [f"  {line.strip()}" for line in self.result.describe()[1:]]


@dataclass
class ImportReport:
    """What an import did (or, with ``--dry-run``, would do)."""

    table: Path
    rows: int = 0
    updated: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    held: list[HeldName] = field(default_factory=list)
    changed_files: list[Path] = field(default_factory=list)
    dry_run: bool = False


# ----------------------------------------------------------------------------- reading


def read_table(path: Path) -> table_read.Table:
    """Header and rows (with their spreadsheet row numbers) of a CSV or .xlsx table."""
    return table_read.read_table(path, COLUMNS, DATE_COLUMNS)


def split(cell: str) -> list[str]:
    """Several values in one cell, separated by ``|``."""
    return [part.strip() for part in cell.split(SEPARATOR)] if cell.strip() else []


# 31/10/2011 or 10/31/2011: day and month in the writer's locale's order.
_DAY_MONTH = re.compile(r"(\d{1,2})([/-])(\d{1,2})\2(\d{4})", re.ASCII)


def parse_date(text: str) -> ox.Literal | None:
    """A date cell as an xsd:date, xsd:gYearMonth or xsd:gYear literal; None if not a date.

    Besides ISO 8601, the forms spreadsheets write in the partners' locales: 31.10.2011 (cs,
    de, pl, ro), 2011. 10. 31. (hu), 31/10/2011 (es, fr, it) and 2011/10/31. Day and month
    separated by / or - are read only when their order cannot matter (31/10, 10/31, 05/05).
    """
    text = text.strip()
    if match := re.fullmatch(r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})\.?", text, re.ASCII):
        day, month, year = match.groups()
    elif match := re.fullmatch(r"(\d{4})\s*[./]\s*(\d{1,2})\s*[./]\s*(\d{1,2})\.?", text, re.ASCII):
        year, month, day = match.groups()
    elif match := _DAY_MONTH.fullmatch(text):
        first, _, second, year = match.groups()
        if ambiguous_day_month(text):
            return None
        day, month = (second, first) if int(second) > 12 else (first, second)
    else:
        day = month = year = ""
    if year:
        text = f"{year}-{int(month):02d}-{int(day):02d}"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII):
        try:
            _dt.date.fromisoformat(text)
        except ValueError:
            return None
        return ox.Literal(text, datatype=ox.NamedNode(XSD_DATE))
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text, re.ASCII):
        return ox.Literal(text, datatype=ox.NamedNode(terms.XSD + "gYearMonth"))
    if re.fullmatch(r"\d{4}", text, re.ASCII):
        return ox.Literal(text, datatype=ox.NamedNode(terms.XSD + "gYear"))
    return None


def ambiguous_day_month(text: str) -> tuple[str, str] | None:
    """The two dates ``03/04/2011`` may be (3 April or 4 March, by the locale that wrote
    it), as ISO dates; None when the cell is not such a date or its reading is certain."""
    match = _DAY_MONTH.fullmatch(text.strip())
    if not match:
        return None
    first, second, year = int(match.group(1)), int(match.group(3)), match.group(4)
    if first == second or first > 12 or second > 12:
        return None
    return f"{year}-{second:02d}-{first:02d}", f"{year}-{first:02d}-{second:02d}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", link.key(text)).strip("-")


# ----------------------------------------------------------------------------- the project


@dataclass
class _Region:
    iri: str
    country: str
    qids: set[str]
    full_keys: set[str]
    bare_keys: dict[str, set[str]]  # bare name (and its noun form) -> kinds its names state


class Project:
    """What the import needs to know about the graph: schemes, regions, sources, decisions."""

    def __init__(self, graph: LoadedGraph):
        self.graph = graph
        self.rows = {row["id"]: row for row in tables.agreement_rows(graph)}
        self.kinds, self.kind_names = self._concepts(terms.tw("AgreementKind"))
        self.statuses, self.status_names = self._concepts(terms.tw("AgreementStatus"))
        self.regions = self._regions()
        self.countries = {
            row["cc"].value: row["c"].value
            for row in self._select("SELECT ?c ?cc WHERE { ?c tw:countryCode ?cc }")
        }
        self.sources = self._sources()
        self.decisions: dict[tuple[str, str], list[str]] = {}
        self.decision_home: dict[str, str] = {}
        for row in self._select(
            "SELECT ?d ?n ?y ?home WHERE { ?d a tw:CouncilDecision ; tw:decisionNumber ?n ; "
            "tw:decisionYear ?y OPTIONAL { ?d tw:issuedBy/tw:bodyOf ?home } }"
        ):
            iri = row["d"].value
            self.decisions.setdefault((row["n"].value, row["y"].value), []).append(iri)
            if row["home"] is not None:
                self.decision_home[iri] = row["home"].value
        self.subjects = {
            q.subject.value for q in graph.store if isinstance(q.subject, ox.NamedNode)
        }

    def _select(self, query: str) -> ox.QuerySolutions:
        solutions = self.graph.store.query(terms.sparql_prefixes() + query)
        assert isinstance(solutions, ox.QuerySolutions)
        return solutions

    def _concepts(self, cls: str) -> tuple[dict[str, str], list[str]]:
        found: dict[str, str] = {}
        english: list[str] = []
        for row in self._select(
            f"SELECT ?c ?l WHERE {{ ?c a <{cls}> {{ ?c skos:prefLabel ?l }} "
            "UNION { ?c skos:altLabel ?l } }"
        ):
            iri, label = row["c"].value, row["l"]
            assert isinstance(label, ox.Literal)
            found[link.key(label.value)] = iri
            found[link.key(iri.rsplit("/", 1)[-1])] = iri
            found[iri] = iri
            if label.language == "en":
                english.append(label.value)
        return found, sorted(set(english))

    def _regions(self) -> dict[str, _Region]:
        regions: dict[str, _Region] = {}
        for row in self._select(
            "SELECT ?r ?cc WHERE { ?r a tw:Region OPTIONAL { ?r tw:country/tw:countryCode ?cc } }"
        ):
            cc = row["cc"].value if row["cc"] is not None else ""
            regions[row["r"].value] = _Region(row["r"].value, cc, set(), set(), {})
        for row in self._select(
            "SELECT ?r ?n WHERE { ?r a tw:Region "
            "{ ?r skos:prefLabel ?n } UNION { ?r tw:nameInSource ?n } UNION { ?r rdfs:label ?n } }"
        ):
            parsed = link.parse_name(row["n"].value)
            region = regions[row["r"].value]
            region.full_keys.add(link.key(parsed.full))
            for bare in (parsed.bare, *link.noun_forms(parsed.bare)):
                region.bare_keys.setdefault(link.key(bare), set()).update(parsed.kinds)
        for row in self._select("SELECT ?r ?i WHERE { ?r a tw:Region ; owl:sameAs ?i }"):
            regions[row["r"].value].qids.add(row["i"].value.removeprefix(terms.WD))
        return regions

    def _sources(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for row in self._select(
            "SELECT ?s ?l WHERE { ?s a tw:SourceDocument "
            "OPTIONAL { { ?s rdfs:label ?l } UNION { ?s dcterms:title ?l } } }"
        ):
            iri = row["s"].value
            found[iri] = iri
            if row["l"] is not None:
                found[link.key(row["l"].value)] = iri
        return found

    def expand(self, text: str) -> str | None:
        """A full IRI from an IRI or a CURIE with one of our prefixes."""
        if re.match(r"https?://", text):
            return text
        prefix, colon, local = text.partition(":")
        if colon and prefix in terms.PREFIXES and local and " " not in local:
            return terms.PREFIXES[prefix] + local
        return None

    def find_regions(self, text: str, country: str | None) -> list[str]:
        """Existing regions a party cell may mean (IRI, CURIE, QID or any of their names)."""
        iri = self.expand(text)
        if iri:
            return [iri] if iri in self.regions else []
        if re.fullmatch(r"Q[1-9]\d*", text):
            return sorted(r.iri for r in self.regions.values() if text in r.qids)
        parsed = link.parse_name(text)
        country = country or parsed.country
        pool = [r for r in self.regions.values() if not country or r.country == country]
        found = sorted(r.iri for r in pool if link.key(parsed.full) in r.full_keys)
        if found:
            return found
        # The bare name, unless the designators disagree ("Okres Liberec" is not "Liberecký
        # kraj": a district is not a region of another level).
        wanted = {link.key(b) for b in (parsed.bare, *link.noun_forms(parsed.bare))}
        kinds = set(parsed.kinds)
        return sorted(
            r.iri
            for r in pool
            if any(
                w in r.bare_keys and not (kinds and r.bare_keys[w] and not kinds & r.bare_keys[w])
                for w in wanted
            )
        )


# ----------------------------------------------------------------------------- one row


@dataclass
class _Party:
    text: str
    country: str | None
    iri: str | None = None  # an existing region, or a new one once linked
    qid: str | None = None  # a Wikidata id given for a new region


@dataclass
class _Row:
    number: int
    cells: dict[str, str]
    agreement: str | None  # the id of an existing agreement
    changed: set[str]
    parties: list[_Party] = field(default_factory=list)
    held: bool = False


class _Problems:
    def __init__(self, table: Path):
        self.table = table
        self.lines: list[str] = []

    def add(self, row: int, column: str, reason: str) -> None:
        """One line, however long the cell it quotes (a pasted page stays a line to read)."""
        if len(reason) > MAX_REASON:
            reason = reason[: MAX_REASON - 1] + "…"
        self.lines.append(f"{self.table}:{row}:{column}: {reason}")


class Importer:
    """Turns the rows of a table into triples to remove and add, then writes them."""

    def __init__(
        self,
        root: Path,
        table: Path,
        endpoint: Endpoint | None,
        date: str,
    ):
        self.root = root
        self.table = table
        self.endpoint = endpoint
        self.date = date
        self.graph = load_project(root)
        self.project = Project(self.graph)
        self.problems = _Problems(table)
        self.remove: set[ox.Triple] = set()
        self.add: dict[str, list[ox.Triple]] = {}  # target kind or file name -> triples
        self.new_sources: dict[str, str] = {}
        self.new_regions: dict[tuple[str, str], str] = {}  # (qid, country) -> region IRI
        self.new_subjects: set[str] = set()
        self.mappings: list[sssom.Mapping] = []
        self.touched: dict[str, int] = {}  # subject written by this import -> its row
        self.report = ImportReport(table)

    # ------------------------------------------------------------------ columns and rows

    def check_header(self, header: list[str], row: int) -> bool:
        ok = True
        for position, name in enumerate(header, start=1):
            if not name:
                self.problems.add(
                    row,
                    f"column {position}",
                    "a column without a name holds values: name it with one of the columns "
                    f"({', '.join(COLUMNS)}) or delete it",
                )
                ok = False
            elif name not in COLUMNS:
                self.problems.add(
                    row, name, f"unknown column {name!r}: the columns are {', '.join(COLUMNS)}"
                )
                ok = False
            elif header.count(name) > 1 and header.index(name) == position - 1:
                # Reported once, at its first column: which one the row means is unknown.
                where = [str(i) for i, n in enumerate(header, start=1) if n == name]
                self.problems.add(
                    row,
                    name,
                    f"the column {name!r} is there {len(where)} times (columns "
                    f"{' and '.join(where)}): keep one, a row cannot say two things",
                )
                ok = False
        for name in REQUIRED_COLUMNS:
            if name not in header:
                self.problems.add(row, name, f"missing column {name!r}: the table needs it")
                ok = False
        return ok

    def check_text(self, number: int, column: str, value: str) -> bool:
        """Refuse what no column means as text: control characters, and a leading sign that
        makes a spreadsheet run the cell as a formula when the table is opened again."""
        if bad := _CONTROL.search(value):
            self.problems.add(
                number,
                column,
                f"{value[:80]!r} holds the control character U+{ord(bad.group()):04X}: remove it",
            )
            return False
        if value in SPREADSHEET_ERRORS:
            self.problems.add(
                number,
                column,
                f"{value} is a spreadsheet's error, not a value: correct the formula that "
                "gave it, or type the value",
            )
            return False
        if _FORMULA.match(value):
            self.problems.add(
                number,
                column,
                f"{value[:80]!r} starts with {value[0]!r} like a spreadsheet formula: the table "
                "holds text, so write what the cell should say without the sign",
            )
            return False
        return True

    def rows(self, header: list[str], body: list[tuple[int, list[str]]]) -> list[_Row]:
        rows = []
        seen: dict[str, tuple[int, dict[str, str]]] = {}  # agreement -> its first row
        for number, values in body:
            cells = {name: (values[i] if i < len(values) else "") for i, name in enumerate(header)}
            cells = {k: v for k, v in cells.items() if k in COLUMNS}
            lang = cells.get("title_lang", "")
            if _is_language(lang.lower()):  # BCP 47 ignores case; the store keeps tags lower
                cells["title_lang"] = lang.lower()
            given_id = cells.get("id", "")
            agreement = None
            if given_id:
                agreement = self.project.expand(given_id) or given_id
                if agreement not in self.project.rows:
                    self.problems.add(
                        number,
                        "id",
                        f"{given_id!r} is not an agreement of the graph: leave id empty to add "
                        "a new agreement, or copy the id from dist/agreements.csv",
                    )
                    continue
                if agreement in seen:  # the same row twice says nothing twice
                    first, first_cells = seen[agreement]
                    if first_cells != cells:
                        self.problems.add(
                            number,
                            "id",
                            f"{given_id!r} is also row {first}, which says otherwise: keep one "
                            "row per agreement",
                        )
                    continue
                seen[agreement] = (number, cells)
                current = self.project.rows[agreement]
                changed = {k for k, v in cells.items() if k != "id" and v != current.get(k, "")}
            else:
                changed = set(cells) - {"id"}
            checked = [self.check_text(number, column, cells[column]) for column in sorted(changed)]
            if all(checked):
                rows.append(_Row(number, cells, agreement, changed))
        return rows

    # ------------------------------------------------------------------ parties

    def read_parties(self, row: _Row) -> None:
        if "parties" not in row.changed and not {"party_countries", "party_wikidata"} & row.changed:
            return
        names = split(row.cells.get("parties", ""))
        countries = split(row.cells.get("party_countries", ""))
        qids = split(row.cells.get("party_wikidata", ""))
        if len(names) < 2:
            self.problems.add(
                row.number,
                "parties",
                f"{row.cells.get('parties', '')!r} names {len(names)} party: an agreement needs "
                "at least two, separated by |",
            )
            return
        if countries and len(countries) != len(names):
            self.problems.add(
                row.number,
                "party_countries",
                f"{len(countries)} countries for {len(names)} parties: give one country per "
                "party, in the same order, separated by |",
            )
            return
        if qids and len(qids) != len(names):
            self.problems.add(
                row.number,
                "party_wikidata",
                f"{len(qids)} Wikidata ids for {len(names)} parties: give one per party (or "
                "leave the cell empty), in the same order, separated by |",
            )
            return
        for position, name in enumerate(names):
            country = None
            if countries and countries[position]:
                country = link.country_code(countries[position])
                if country is None:
                    self.problems.add(
                        row.number,
                        "party_countries",
                        f"{countries[position]!r} is not a country: use an ISO 3166-1 alpha-2 "
                        "code (HU, IT, PL…) or the country's name",
                    )
                    continue
            party = _Party(name, country or link.parse_name(name).country)
            qid = qids[position] if qids else ""
            if qid and not re.fullmatch(r"Q[1-9]\d*", qid):
                self.problems.add(
                    row.number,
                    "party_wikidata",
                    f"{qid!r} is not a Wikidata id: write Q followed by digits, e.g. Q182624",
                )
                continue
            found = self.project.find_regions(name, party.country)
            if not found and qid and not self.project.expand(name):
                found = self.project.find_regions(qid, None)
            if len(found) > 1:
                listed = ", ".join(self._curie(f) for f in found)
                self.problems.add(
                    row.number,
                    "parties",
                    f"{name!r} may mean several regions ({listed}): write the one you mean "
                    "by its id",
                )
                continue
            if found:
                party.iri = found[0]
            elif self.project.expand(name):
                self.problems.add(
                    row.number,
                    "parties",
                    f"{name!r} is not a region of the graph: write a region's id, its name, "
                    "or a new name with its country",
                )
                continue
            else:
                party.qid = qid or (name if re.fullmatch(r"Q[1-9]\d*", name) else None)
                if not party.country:
                    self.problems.add(
                        row.number,
                        "party_countries",
                        f"no country for the new party {name!r}: give it in party_countries "
                        "(e.g. HU) or in brackets after the name, e.g. 'Județul Pest (Ungaria)'",
                    )
                    continue
                if party.country not in self.project.countries:
                    self.problems.add(
                        row.number,
                        "party_countries",
                        f"{party.country} is not a country of the graph yet: add it to "
                        "data/countries.ttl first",
                    )
                    continue
            row.parties.append(party)

    def link_new_parties(self, rows: list[_Row]) -> None:
        """Link every new name (one batch of lookups), then create the linked regions."""
        wanted = [
            (row, party)
            for row in rows
            for party in row.parties
            if party.iri is None and not row.held
        ]
        if not wanted:
            return
        if self.endpoint is None:
            for row, party in wanted:
                self.problems.add(
                    row.number, "parties", f"{party.text!r} is new: give --endpoint to link it"
                )
            return
        reconciler = link.Reconciler(self.endpoint)
        by_name = [(p.text, p.country or "") for _, p in wanted if p.qid is None]
        try:
            results = iter(link.NameLinker(reconciler).link(by_name))
            by_item = self._judge_items(reconciler, [p for _, p in wanted if p.qid])
        except EndpointError as err:
            raise CannotRun(str(err)) from err
        for row, party in wanted:
            result = by_item[party.qid] if party.qid else next(results)
            if result.match is not None:
                party.qid = result.match.qid
                continue
            if result.status == "settlement":
                cities = ", ".join(f"wd:{c.qid} {c.label}" for c in result.settlements)
                self.problems.add(
                    row.number,
                    "parties",
                    f"{party.text!r} is a city or town ({cities}), not a region: write the "
                    "region (county, province…) that signed",
                )
                continue
            row.held = True
            self.report.held.append(
                HeldName(row.number, "parties", party.text, party.country or "", result)
            )
        qids = sorted({p.qid for row, p in wanted if p.qid and not row.held and p.iri is None})
        if qids:
            self._create_regions(reconciler, rows, qids)

    def _judge_items(
        self, reconciler: link.Reconciler, parties: list[_Party]
    ) -> dict[str, link.NameResult]:
        """A Wikidata id written for a new party: check it is a subdivision of that country."""
        facts = reconciler.facts(p.qid for p in parties if p.qid)
        results = {}
        for party in parties:
            assert party.qid is not None
            fact = facts.get(party.qid, {})
            candidate = link.Candidate(party.qid, sorted(fact.get("label", set()) or {""})[0])
            settlements = []
            if party.country not in fact.get("cc", set()):
                candidate.rejected = f"not in {party.country}"
            elif fact.get("settlement"):
                candidate.rejected = "a settlement, not a region"
                settlements.append(candidate)
            elif not fact.get("level"):
                candidate.rejected = "not a first- or second-level administrative subdivision"
            match = candidate if candidate.rejected is None else None
            parsed = link.parse_name(party.text)
            results[party.qid] = link.NameResult(
                party.text, party.country or "", parsed, [candidate], match, settlements
            )
        return results

    def _create_regions(
        self, reconciler: link.Reconciler, rows: list[_Row], qids: list[str]
    ) -> None:
        languages = sorted(set(tables.LANGUAGE_OF_COUNTRY.values()) | {"en"})
        facts = reconciler.item_details(qids, languages)
        points = geo.fetch(reconciler.endpoint, qids)
        for row in rows:
            if row.held:
                continue
            for party in row.parties:
                if party.iri is not None or party.qid is None:
                    continue
                country = party.country or ""
                known = self.new_regions.get((party.qid, country))
                if known is None:
                    known = self._new_region(row, party, country, facts.get(party.qid, {}), points)
                party.iri = known

    def _new_region(
        self,
        row: _Row,
        party: _Party,
        country: str,
        facts: dict[str, set[tuple[str, str]]],
        points: geo.Coordinates,
    ) -> str:
        assert party.qid is not None
        labels = {lang: text for lang, text in sorted(facts.get("label", set()))}
        english = labels.get("en") or party.text
        slug = _slug(link.parse_name(english).bare) or _slug(party.text)
        iri = terms.PREFIXES["region"] + slug
        if iri in self.project.regions or iri in self.new_subjects:
            iri = f"{iri}-{country.lower()}"
        self.new_subjects.add(iri)
        self.touched[iri] = row.number
        self.new_regions[(party.qid, country)] = iri
        source = self.source_of(row)
        node = ox.NamedNode(iri)
        country_iri = self.project.countries[country]
        written = self._name_literal(row, party.text)
        triples = [
            ox.Triple(node, ox.NamedNode(terms.RDF_TYPE), ox.NamedNode(terms.REGION)),
            ox.Triple(node, ox.NamedNode(terms.COUNTRY), ox.NamedNode(country_iri)),
            ox.Triple(node, ox.NamedNode(terms.NAME_IN_SOURCE), written),
            ox.Triple(node, ox.NamedNode(PROV_DERIVED), ox.NamedNode(terms.WD + party.qid)),
            ox.Triple(node, ox.NamedNode(PAV_RETRIEVED_ON), _typed(self.date, XSD_DATE)),
        ]  # fmt: skip
        if source:
            triples.append(ox.Triple(node, ox.NamedNode(terms.DCT_SOURCE), ox.NamedNode(source)))
        native = tables.LANGUAGE_OF_COUNTRY.get(country, "")
        for lang in sorted({"en", native} - {""}):
            if lang in labels:
                literal = ox.Literal(labels[lang], language=lang)
                triples.append(ox.Triple(node, ox.NamedNode(terms.SKOS_PREF_LABEL), literal))
        codes = sorted(code for _, code in facts.get("code", set()))
        if len(codes) == 1 and codes[0].startswith(country + "-"):
            code = ox.Literal(codes[0])
            triples.append(ox.Triple(node, ox.NamedNode(terms.SUBDIVISION_CODE), code))
        self.add.setdefault("regions", []).extend(triples)
        self.add.setdefault("geo", []).extend(geo.triples({iri: party.qid}, points, self.date))
        self.mappings.append(
            sssom.Mapping(
                subject_id=self._curie(iri),
                subject_label=english,
                predicate_id=sssom.EXACT_MATCH,
                object_id=f"wd:{party.qid}",
                object_label=english,
                mapping_justification="semapv:LexicalMatching",
                confidence="1.00" if party.qid else "",
                mapping_date=self.date,
                comment=f"twinning import: {party.text!r} ({country}), the only subdivision "
                "bearing the name",
            )
        )
        self.report.regions.append(iri)
        return iri

    def _name_literal(self, row: _Row, text: str) -> ox.Literal:
        lang = row.cells.get("title_lang", "")
        return ox.Literal(text, language=lang) if _is_language(lang) else ox.Literal(text)

    # ------------------------------------------------------------------ sources

    def source_of(self, row: _Row) -> str | None:
        """The row's source document: an existing one, or a new one named by the cell."""
        text = row.cells.get("source", "")
        if not text:
            return None
        iri = self.project.expand(text)
        if iri and iri in self.project.sources:
            return iri
        found = self.project.sources.get(link.key(text)) or self.new_sources.get(link.key(text))
        if found:
            return found
        slug = _slug(text)[:60].strip("-")
        iri = terms.PREFIXES["source"] + slug
        while iri in self.project.subjects or iri in self.new_subjects:
            iri += "-x"
        self.new_subjects.add(iri)
        self.new_sources[link.key(text)] = iri
        node = ox.NamedNode(iri)
        label = ox.Literal(text)
        self.add.setdefault("sources", []).extend(
            [
                ox.Triple(node, ox.NamedNode(terms.RDF_TYPE), ox.NamedNode(terms.SOURCE_DOCUMENT)),
                ox.Triple(node, ox.NamedNode(terms.DCT_TITLE), label),
                ox.Triple(node, ox.NamedNode(terms.RDFS_LABEL), label),
            ]
        )
        if _WEB_ADDRESS.match(text):  # checked by check_cells
            url = ox.NamedNode(text)
            self.add["sources"].append(ox.Triple(node, ox.NamedNode(terms.SCHEMA_URL), url))
        self.report.sources.append(iri)
        return iri

    # ------------------------------------------------------------------ cells to facts

    def check_cells(self, row: _Row) -> None:
        """Report bad kinds, statuses, dates, languages and decisions (before any linking)."""
        new = row.agreement is None
        if new:
            for column in REQUIRED_FOR_NEW:
                if not row.cells.get(column, ""):
                    self.problems.add(
                        row.number, column, f"empty: a new agreement needs its {column}"
                    )
        for column, scheme, names, what in (
            ("kind", self.project.kinds, self.project.kind_names, "kind"),
            ("status", self.project.statuses, self.project.status_names, "status"),
        ):
            value = row.cells.get(column, "")
            if column in row.changed and value and self._concept(scheme, value) is None:
                self.problems.add(
                    row.number,
                    column,
                    f"{value!r} is not a {what}: use one of: {', '.join(names)}",
                )
        for column in DATE_COLUMNS:
            if column in row.changed:
                for value in split(row.cells.get(column, "")):
                    if readings := ambiguous_day_month(value):
                        self.problems.add(
                            row.number,
                            column,
                            f"{value} may be {readings[0]} or {readings[1]} (day and month "
                            "are written in either order): write it as YYYY-MM-DD",
                        )
                    elif parse_date(value) is None:
                        self.problems.add(row.number, column, f"{value} is not a date: {DATE_HELP}")
        lang = row.cells.get("title_lang", "")
        if {"title", "title_lang"} & row.changed and lang and not _is_language(lang):
            self.problems.add(
                row.number,
                "title_lang",
                f"{lang!r} is not a language tag: use a BCP 47 tag such as ro, cs, hu, en",
            )
        if "decision" in row.changed:
            for value in split(row.cells.get("decision", "")):
                if not re.fullmatch(r"[\w.-]+\s*/\s*\d{4}", value, re.ASCII):
                    # Excel reads 6/1993 as June 1993 and saves a date; which decision it
                    # was cannot be told back (6/1993? 06/1993?), so it is only explained.
                    dated = " (a spreadsheet made it a date: format the column as Text)"
                    self.problems.add(
                        row.number,
                        "decision",
                        f"{value!r} is not a council decision"
                        + (dated if parse_date(value) else "")
                        + ": use NUMBER/YEAR, e.g. 271/2017",
                    )
        source = row.cells.get("source", "")
        if "source" in row.changed and _WEB_ADDRESS.match(source):
            try:
                ox.NamedNode(source)
            except ValueError as err:
                self.problems.add(
                    row.number,
                    "source",
                    f"{source!r} is not a web address ({err}): write the page's address as "
                    "the browser shows it, or the source's title",
                )
        if not new:
            for column in REQUIRED_COLUMNS:
                if column in row.changed and not row.cells.get(column, ""):
                    self.problems.add(row.number, column, f"empty: an agreement needs its {column}")

    def _concept(self, scheme: dict[str, str], value: str) -> str | None:
        iri = self.project.expand(value)
        return scheme.get(iri) if iri else scheme.get(link.key(value))

    def facts(self, row: _Row) -> None:
        """Triples to remove and to add for one good row."""
        new = row.agreement is None
        home = self._home(row)
        if home is None:
            return
        if new:
            agreement = self._new_iri(row, home)
            if agreement is None:
                return
            self.report.created.append(agreement)
        else:
            agreement = row.agreement
            assert agreement is not None
        subject = ox.NamedNode(agreement)
        self.touched[agreement] = row.number
        # An agreement we have stays in its file; a new one goes beside its home's agreements.
        where = self.graph.location(agreement)
        target = f"file:{where[0]}" if where else "agreements:" + home
        current = self.project.rows.get(agreement, {})

        def replace(predicate: str, objects: Iterable[ox.NamedNode | ox.Literal]) -> None:
            for quad in self.graph.store.quads_for_pattern(subject, ox.NamedNode(predicate), None):
                self.remove.add(ox.Triple(quad.subject, quad.predicate, quad.object))
            for obj in objects:
                self.add.setdefault(target, []).append(
                    ox.Triple(subject, ox.NamedNode(predicate), obj)
                )

        if new:
            self.add.setdefault(target, []).append(
                ox.Triple(subject, ox.NamedNode(terms.RDF_TYPE), ox.NamedNode(terms.AGREEMENT))
            )
        changed = row.changed
        if "home" in changed:
            replace(terms.HOME_REGION, [ox.NamedNode(home)])
        if "kind" in changed:
            kind = self._concept(self.project.kinds, row.cells["kind"])
            replace(terms.KIND, [ox.NamedNode(kind)] if kind else [])
        if "status" in changed:
            status = self._concept(self.project.statuses, row.cells["status"])
            replace(terms.STATUS, [ox.NamedNode(status)] if status else [])
        if {"title", "title_lang"} & changed:
            self._title(subject, target, row, current)
        if row.parties:
            replace(terms.PARTY, [ox.NamedNode(p.iri) for p in row.parties if p.iri])
        for column, predicate in DATE_COLUMNS.items():
            if column in changed:
                dates = [parse_date(v) for v in split(row.cells.get(column, ""))]
                replace(predicate, [d for d in dates if d is not None])
        if "decision" in changed:
            replace(
                terms.APPROVED_BY, [ox.NamedNode(d) for d in self._decisions(row, home, target)]
            )
        if "source" in changed or new:
            source = self.source_of(row)
            replace(terms.DCT_SOURCE, [ox.NamedNode(source)] if source else [])
        if not new:
            self.report.updated.append(agreement)

    def _home(self, row: _Row) -> str | None:
        """The home region: one of the row's parties, written as in the parties cell."""
        agreement = ox.NamedNode(row.agreement) if row.agreement else None
        if "home" not in row.changed and agreement is not None:
            quads = self.graph.store.quads_for_pattern(
                agreement, ox.NamedNode(terms.HOME_REGION), None
            )
            homes = sorted(str(getattr(q.object, "value", "")) for q in quads)
            return homes[0] if homes else None
        text = row.cells.get("home", "")
        for party in row.parties:
            if party.text == text and party.iri:
                return party.iri
        if row.parties:
            party_iris = {p.iri for p in row.parties}
        elif agreement is not None:
            quads = self.graph.store.quads_for_pattern(agreement, ox.NamedNode(terms.PARTY), None)
            party_iris = {str(getattr(q.object, "value", "")) for q in quads}
        else:
            party_iris = set()
        in_parties = [f for f in self.project.find_regions(text, None) if f in party_iris]
        if len(in_parties) == 1:
            return in_parties[0]
        self.problems.add(
            row.number,
            "home",
            f"{text!r} is not one of the parties: home is the region whose list names the "
            "agreement, written as in the parties cell",
        )
        return None

    def _title(
        self, subject: ox.NamedNode, target: str, row: _Row, current: dict[str, str]
    ) -> None:
        old_text, old_lang = current.get("title", ""), current.get("title_lang", "")
        if old_text:
            old = ox.Literal(old_text, language=old_lang) if old_lang else ox.Literal(old_text)
            self.remove.add(ox.Triple(subject, ox.NamedNode(terms.DCT_TITLE), old))
        text, lang = row.cells.get("title", ""), row.cells.get("title_lang", "")
        if text:
            new = ox.Literal(text, language=lang) if lang else ox.Literal(text)
            self.add.setdefault(target, []).append(
                ox.Triple(subject, ox.NamedNode(terms.DCT_TITLE), new)
            )

    def _decisions(self, row: _Row, home: str, target: str) -> list[str]:
        found = []
        for value in split(row.cells.get("decision", "")):
            number, _, year = (part.strip() for part in value.partition("/"))
            existing = self.project.decisions.get((number, year), [])
            of_home = [d for d in existing if self.project.decision_home.get(d) == home]
            chosen = of_home or existing
            if len(chosen) == 1:
                found.append(chosen[0])
                continue
            if len(chosen) > 1:
                listed = ", ".join(self._curie(d) for d in chosen)
                self.problems.add(
                    row.number,
                    "decision",
                    f"{value} may mean several decisions ({listed}): write the one you mean",
                )
                continue
            iri = terms.PREFIXES["decision"] + f"{home.rsplit('/', 1)[-1]}-{_slug(number)}-{year}"
            if iri not in self.new_subjects:
                self.new_subjects.add(iri)
                node = ox.NamedNode(iri)
                source = self.source_of(row)
                triples = [
                    ox.Triple(node, ox.NamedNode(terms.RDF_TYPE), ox.NamedNode(terms.DECISION)),
                    ox.Triple(node, ox.NamedNode(terms.tw("decisionNumber")), ox.Literal(number)),
                    ox.Triple(node, ox.NamedNode(DECISION_YEAR), _typed(year, XSD_GYEAR)),
                ]  # fmt: skip
                if source:
                    triples.append(
                        ox.Triple(node, ox.NamedNode(terms.DCT_SOURCE), ox.NamedNode(source))
                    )
                self.add.setdefault(target, []).extend(triples)
            found.append(iri)
        return found

    def _new_iri(self, row: _Row, home: str) -> str | None:
        partners = sorted(
            {p.iri.rsplit("/", 1)[-1] for p in row.parties if p.iri and p.iri != home}
        )
        kind = self._concept(self.project.kinds, row.cells.get("kind", "")) or ""
        years = sorted(
            d.value[:4]
            for column in ("signed", "started", "date")
            for v in split(row.cells.get(column, ""))
            if (d := parse_date(v)) is not None
        )
        parts = [home.rsplit("/", 1)[-1], partners[0] if partners else "unknown"]
        if len(partners) > 1:
            parts.append(f"and-{len(partners) - 1}-more")
        parts.append(kind.rsplit("/", 1)[-1])
        if years:
            parts.append(years[0])
        iri = terms.PREFIXES["agreement"] + "-".join(parts)
        if iri in self.project.rows or iri in self.new_subjects:
            self.problems.add(
                row.number,
                "id",
                f"this agreement is already in the graph or the table as {self._curie(iri)} "
                "(same home, partner, kind and year): put that id in the row to update it",
            )
            return None
        self.new_subjects.add(iri)
        return iri

    def _curie(self, iri: str) -> str:
        return rdfio.Compactor(terms.PREFIXES).iri(iri)

    # ------------------------------------------------------------------ writing

    def _files(self) -> dict[Path, str]:
        return {path: path.read_text(encoding="utf-8") for path in data_files(self.root)}

    def _target(
        self, name: str, texts: dict[Path, str], triples: dict[Path, set[ox.Triple]]
    ) -> Path:
        data = self.root / "data"
        if name.startswith("file:"):
            return Path(name.removeprefix("file:"))
        if name.startswith("agreements:"):
            home = name.split(":", 1)[1]
            for path, found in sorted(triples.items()):
                if any(
                    t.predicate.value == terms.HOME_REGION and t.object == ox.NamedNode(home)
                    for t in found
                ):
                    return path
            return data / f"{home.rsplit('/', 1)[-1]}.ttl"
        cls = {"regions": terms.REGION, "sources": terms.SOURCE_DOCUMENT}.get(name)
        if cls:
            # The file that holds most records of the class (data/regions.ttl, data/sources.ttl).
            typed = ox.NamedNode(cls)
            counts = {
                path: sum(
                    1 for t in found if t.predicate.value == terms.RDF_TYPE and t.object == typed
                )
                for path, found in triples.items()
            }
            best = max(sorted(counts), key=lambda path: counts[path], default=None)
            if best is not None and counts[best]:
                return best
            return data / f"{name}.ttl"
        return data / "geo.ttl"

    def contents(self) -> dict[Path, str]:
        """The new text of every file that changes."""
        texts = self._files()
        triples = {path: set(rdfio.parse_file(path)) for path in texts}
        wanted = {path: set(found) - self.remove for path, found in triples.items()}
        for name, added in sorted(self.add.items()):
            target = self._target(name, texts, triples)
            wanted.setdefault(target, set()).update(added)
        out: dict[Path, str] = {}
        for path, found in sorted(wanted.items()):
            old = texts.get(path)
            if old is None:
                header = (
                    geo.GEO_HEADER
                    if path.name == "geo.ttl"
                    else IMPORT_HEADER.format(table=self.table.name)
                )
            else:
                header = fmt.leading_comment(old)
            new = rdfio.canonical_turtle(found, header=header)
            if new != old:
                out[path] = new
        if self.mappings:
            files = mapping_files(self.root)
            target = files[0] if files else self.root / "data" / "mappings" / "wikidata.sssom.tsv"
            existing = sssom.read_mappings(target) if target.exists() else []
            out[target] = sssom.to_tsv([*existing, *self.mappings], MAPPING_SET, self.date)
        return out


COLUMN_OF_PATH = {
    terms.HOME_REGION: "home", terms.KIND: "kind", terms.DCT_TITLE: "title",
    terms.PARTY: "parties", terms.SIGNING_DATE: "signed", terms.tw("startDate"): "started",
    terms.END_DATE: "ended", tables.DCT_DATE: "date", terms.STATUS: "status",
    terms.APPROVED_BY: "decision", terms.DCT_SOURCE: "source",
}  # fmt: skip


def check_merged(importer: Importer, contents: dict[Path, str]) -> None:
    """Validate the data as it would be written; a violation on a row's facts is a bad cell.

    Violations of records this import did not touch are left to ``twinning validate``.
    """
    from .load import load_files, ontology_files
    from .validate import load_shapes, validate_graph

    root = importer.root
    with tempfile.TemporaryDirectory(prefix=".twinning-import.", dir=root) as tmp:
        staged = Path(tmp)
        files = []
        for path in sorted({*data_files(root), *mapping_files(root), *contents}):
            target = staged / path.relative_to(root / "data")
            target.parent.mkdir(parents=True, exist_ok=True)
            text = contents[path] if path in contents else path.read_text(encoding="utf-8")
            target.write_text(text, encoding="utf-8")
            files.append(target)
        graph = load_files([*ontology_files(root), *files], locate=False)
        report = validate_graph(graph, load_shapes(root))
    for finding in report.violations:
        row = importer.touched.get(finding.focus)
        if row is None:
            continue
        column = COLUMN_OF_PATH.get(finding.path or "", "id")
        shown = re.sub(r'^"(.*)"(\^\^<[^>]*>|@[\w-]+)?$', r"\1", finding.value or "")
        importer.problems.add(
            row, column, f"{shown!r}: {finding.message}" if shown else finding.message
        )


def _typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(datatype))


def _is_language(tag: str) -> bool:
    return bool(re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", tag))


def import_table(
    root: Path,
    table: Path,
    *,
    endpoint: Endpoint | None = None,
    review: Path | None = None,
    dry_run: bool = False,
    date: str | None = None,
) -> ImportReport:
    """Merge a table of agreements into ``root/data``; see the module docstring.

    Raises :class:`TableProblems` (exit 1) listing every bad cell, and writes nothing then.
    Rows with names held for review are left out; the rest are written (unless ``dry_run``).
    """
    if date is not None:  # recorded as pav:retrievedOn and the mapping date: a whole day
        day = parse_date(date)
        if day is None or day.datatype.value != XSD_DATE:
            raise CannotRun(f"--date {date!r} is not a date: use YYYY-MM-DD")
        date = day.value
    if review is not None and review.resolve() in {
        table.resolve(),
        *map(Path.resolve, data_files(root)),
    }:
        raise CannotRun(
            "the review file would overwrite the table or a data file: name another", path=review
        )
    importer = Importer(root, table, endpoint, date or _dt.date.today().isoformat())
    read = read_table(table)
    report = importer.report
    report.rows = len(read.rows)
    report.dry_run = dry_run
    if not importer.check_header(read.header, read.header_row):
        raise TableProblems(table, importer.problems.lines)
    rows = importer.rows(read.header, read.rows)
    for row in rows:
        importer.check_cells(row)
        importer.read_parties(row)
    if importer.problems.lines:
        raise TableProblems(table, importer.problems.lines)
    importer.link_new_parties(rows)
    for row in rows:
        if not row.held and row.changed:
            importer.facts(row)
    if importer.problems.lines:
        raise TableProblems(table, importer.problems.lines)
    contents = importer.contents()
    if contents:
        check_merged(importer, contents)
    if importer.problems.lines:
        raise TableProblems(table, importer.problems.lines)
    report.changed_files = sorted(contents)
    if review is not None:
        lines = [line for held in report.held for line in held.lines()]
        rdfio.write_atomic(review, "".join(f"{line}\n" for line in lines))
    if not dry_run:  # all or none: no agreement citing a source that was not written
        safeio.write_all(contents)
    return report
