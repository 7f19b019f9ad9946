"""Reconciling regions with Wikidata items, in the manner of the W3C reconciliation API.

Evidence, strongest first: the ISO 3166-2 code (``wdt:P300``), then exact labels and aliases
in the region's languages and English, with the usual variants (with and without diacritics,
with and without words like "County", "Județul", "megye", "Provincia di", "kraj"). Every
candidate must be in the region's country (``wdt:P17``) and be a first- or second-level
administrative subdivision; a settlement is never a region's item. Only exact literals and keys
are looked up, as a public endpoint cannot scan all labels.

Each candidate gets a score from 0 to 100; a region is linked only when its best candidate is
clearly ahead. Everything else is listed for a person to decide.

Names alone (:class:`NameLinker`, used by ``twinning import``): a name as a council writes it
and its country, nothing else. The words around names (bodies, designators, country
qualifiers, adjective and noun endings, templates) are data in ``linkwords.toml``, shared by
both linkers; a name is linked only when exactly one subdivision of its country bears it.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import http, terms
from .load import LoadedGraph
from .sparql_client import Endpoint
from .sssom import EXACT_MATCH, Mapping

WDQS = "https://query.wikidata.org/sparql"
# First- and second-level administrative country subdivision. Filtering on "administrative
# territorial entity" (Q56061) alone is not enough on live Wikidata: cities reach it too.
LEVEL_CLASSES = ("Q10864048", "Q13220204")
SETTLEMENT_CLASSES = ("Q515", "Q486972", "Q3957")  # city, human settlement, town
NAME_BATCH = 150

SCORE_CODE = 50
SCORE_COUNTRY = 15
SCORE_LEVEL = 10
SCORE_LABEL = 10  # per language with an exact label match
SCORE_ALIAS = 5  # per language with only an alias or variant match
NAME_CAP = 25
THRESHOLD_WITH_CODE = 70
THRESHOLD_WITHOUT_CODE = 45
LEAD = 15


@dataclass(frozen=True)
class RegionToLink:
    iri: str
    slug: str
    label: str
    country: str  # ISO 3166-1 alpha-2
    code: str | None  # ISO 3166-2
    names: tuple[tuple[str, str], ...]  # (text, language)


@dataclass
class Candidate:
    qid: str
    label: str = ""
    score: int = 0
    evidence: list[str] = field(default_factory=list)
    rejected: str | None = None


@dataclass
class LinkResult:
    region: RegionToLink
    candidates: list[Candidate]
    match: Candidate | None

    @property
    def status(self) -> str:
        if self.match:
            return "linked"
        if any(c.rejected is None for c in self.candidates):
            return "review"
        return "no candidate"

    def describe(self) -> list[str]:
        """Lines for a person: the link, or every candidate with its score or rejection."""
        region = f"region:{self.region.slug}"
        if self.match:
            match = self.match
            label = shown(match.label)
            return [f"linked  {region:<36} wd:{match.qid:<10} {match.score:>3}  {label}"]
        lines = [f"{self.status:<7} {region:<36} (not linked)"]
        for candidate in self.candidates:
            why = candidate.rejected or "; ".join(candidate.evidence)
            lines.append(
                f"          wd:{candidate.qid:<10} {candidate.score:>3}  "
                f"{shown(candidate.label)}: {shown(why)}"
            )
        return lines


def shown(label: str) -> str:
    """A label from the endpoint as one printable line: no control character (a terminal
    escape in a label would act on the reader's terminal), no line break."""
    return " ".join(http.redact(label).split())


# ----------------------------------------------------------------------------- our side


def regions_to_link(graph: LoadedGraph, only: Iterable[str] = ()) -> list[RegionToLink]:
    """Every region of the graph with what the linker needs to know about it."""
    query = (
        terms.sparql_prefixes(["tw", "skos", "rdf"])
        + """
        SELECT ?r ?cc ?code ?name WHERE {
          ?r a tw:Region ; tw:country ?c .
          OPTIONAL { ?c tw:countryCode ?cc }
          OPTIONAL { ?r tw:subdivisionCode ?code }
          { ?r skos:prefLabel ?name } UNION { ?r tw:nameInSource ?name }
        }"""
    )
    wanted = set(only)
    countries: dict[str, str] = {}
    codes: dict[str, str] = {}
    names: dict[str, set[tuple[str, str]]] = {}
    solutions = graph.store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    for row in solutions:
        iri = row["r"].value
        if row["cc"] is not None:
            countries[iri] = row["cc"].value
        if row["code"] is not None:
            codes[iri] = row["code"].value
        name = row["name"]
        language = name.language if isinstance(name, ox.Literal) else None
        names.setdefault(iri, set()).add((name.value, language or ""))
    regions = []
    for iri in sorted(names):
        slug = iri.rsplit("/", 1)[-1]
        if wanted and slug not in wanted:
            continue
        ordered = tuple(sorted(names[iri]))
        english = [text for text, lang in ordered if lang == "en"]
        regions.append(
            RegionToLink(
                iri=iri,
                slug=slug,
                label=english[0] if english else ordered[0][0],
                country=countries.get(iri, ""),
                code=codes.get(iri),
                names=ordered,
            )
        )
    return regions


def fold(text: str) -> str:
    """Lower case without diacritics (ș, ş and s are one letter here)."""
    return "".join(_fold_char(c) for c in text).strip()


def bare(text: str) -> str:
    """The name without bodies, country qualifiers and designators ("Județul Cluj" -> "Cluj")."""
    return parse_name(text).bare


def name_variants(region: RegionToLink) -> set[tuple[str, str]]:
    """Exact literals to look up for a region we have: the forms the name linker makes of
    each of its names (see :func:`name_literals`), in the region's languages and English."""
    languages = {lang for _, lang in region.names if lang} | {"en"}
    variants: set[tuple[str, str]] = set()
    for text, _lang in region.names:
        variants |= {lit for lit in name_literals(parse_name(text)) if lit[1] in languages}
    return variants


# ----------------------------------------------------------------------------- their side

WD_PREFIXES = (
    "PREFIX wd: <http://www.wikidata.org/entity/>\n"
    "PREFIX wdt: <http://www.wikidata.org/prop/direct/>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
)


def _literal(text: str, lang: str = "") -> str:
    """A SPARQL literal, escaped by Oxigraph's serializer (never pasted raw)."""
    return str(ox.Literal(text, language=lang) if lang else ox.Literal(text))


def _qid(uri: str) -> str | None:
    return uri.rsplit("/", 1)[-1] if uri.startswith(terms.WD) else None


class Reconciler:
    """Finds and scores Wikidata candidates for regions through one endpoint."""

    def __init__(self, endpoint: Endpoint):
        self.endpoint = endpoint

    def by_code(self, codes: Iterable[str]) -> dict[str, set[str]]:
        codes = sorted(set(codes))
        if not codes:
            return {}
        values = " ".join(_literal(c) for c in codes)
        query = (
            WD_PREFIXES
            + f"SELECT ?item ?code WHERE {{ VALUES ?code {{ {values} }} ?item wdt:P300 ?code . }}"
        )
        found: dict[str, set[str]] = {}
        for row in self.endpoint.rows(query, ("item", "code")):
            qid = _qid(row["item"]["value"])
            if qid:
                found.setdefault(row["code"]["value"], set()).add(qid)
        return found

    def by_name(
        self, literals: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], set[tuple[str, str]]]:
        """(text, lang) -> {(qid, "label"|"alias")} for exact matches."""
        ordered = sorted(set(literals))
        found: dict[tuple[str, str], set[tuple[str, str]]] = {}
        for start in range(0, len(ordered), NAME_BATCH):
            chunk = ordered[start : start + NAME_BATCH]
            values = " ".join(_literal(text, lang) for text, lang in chunk)
            query = WD_PREFIXES + (
                "SELECT DISTINCT ?item ?name ?how WHERE { VALUES ?name { " + values + " } "
                '{ ?item rdfs:label ?name BIND("label" AS ?how) } UNION '
                '{ ?item skos:altLabel ?name BIND("alias" AS ?how) } }'
            )
            for row in self.endpoint.rows(query, ("item", "name", "how")):
                qid = _qid(row["item"]["value"])
                name = row["name"]
                key = (name["value"], name.get("xml:lang", ""))
                if qid:
                    found.setdefault(key, set()).add((qid, row["how"]["value"]))
        return found

    def facts(self, qids: Iterable[str]) -> dict[str, dict[str, set[str]]]:
        """Country codes, ISO codes, level, settlement-ness and English label of items."""
        qids = sorted(set(qids))
        facts: dict[str, dict[str, set[str]]] = {
            q: {"cc": set(), "code": set(), "level": set(), "settlement": set(), "label": set()}
            for q in qids
        }
        if not qids:
            return facts
        items = " ".join(f"wd:{q}" for q in qids)
        levels = " ".join(f"wd:{q}" for q in LEVEL_CLASSES)
        settlements = " ".join(f"wd:{q}" for q in SETTLEMENT_CLASSES)
        query = (
            WD_PREFIXES
            + f"""
            SELECT ?item ?cc ?code ?level ?settlement ?label WHERE {{
              VALUES ?item {{ {items} }}
              {{ ?item wdt:P17/wdt:P297 ?cc }}
              UNION {{ ?item wdt:P300 ?code }}
              UNION {{ VALUES ?level {{ {levels} }} ?item wdt:P31/wdt:P279* ?level }}
              UNION {{ VALUES ?settlement {{ {settlements} }} ?item wdt:P31/wdt:P279* ?settlement }}
              UNION {{ ?item rdfs:label ?label FILTER(LANG(?label) = "en") }}
            }}"""
        )
        for row in self.endpoint.rows(query, ("item",)):
            qid = _qid(row["item"]["value"])
            if qid is None:
                continue
            for key in ("cc", "code", "level", "settlement", "label"):
                if key in row:
                    facts[qid][key].add(row[key]["value"])
        return facts

    def item_details(
        self, qids: Iterable[str], languages: Iterable[str]
    ) -> dict[str, dict[str, set[tuple[str, str]]]]:
        """Labels in the given languages ((lang, text)) and ISO 3166-2 codes (("", code))."""
        qids = sorted(set(qids))
        details: dict[str, dict[str, set[tuple[str, str]]]] = {
            q: {"label": set(), "code": set()} for q in qids
        }
        if not qids:
            return details
        items = " ".join(f"wd:{q}" for q in qids)
        langs = " ".join(_literal(lang) for lang in sorted(set(languages)))
        query = WD_PREFIXES + (
            f"SELECT ?item ?label ?code WHERE {{ VALUES ?item {{ {items} }} "
            f"{{ VALUES ?lang {{ {langs} }} ?item rdfs:label ?label "
            "FILTER(LANG(?label) = ?lang) } UNION { ?item wdt:P300 ?code } }"
        )
        for row in self.endpoint.rows(query, ("item",)):
            qid = _qid(row["item"]["value"])
            if qid not in details:
                continue
            if "label" in row:
                details[qid]["label"].add((row["label"].get("xml:lang", ""), row["label"]["value"]))
            if "code" in row:
                details[qid]["code"].add(("", row["code"]["value"]))
        return details

    def explain(self, region: RegionToLink, qids: Iterable[str]) -> list[Candidate]:
        """Score given items for a region, found or not: why is this item (not) the one?"""
        variants = name_variants(region)
        name_hits = self.by_name(variants)
        facts = self.facts(qids)
        candidates = [Candidate(qid) for qid in sorted(facts)]
        for candidate in candidates:
            _score(candidate, region, facts[candidate.qid], variants, name_hits)
        return candidates

    def reconcile(self, regions: list[RegionToLink]) -> list[LinkResult]:
        """Score every candidate of every region and pick clear matches."""
        code_hits = self.by_code(r.code for r in regions if r.code)
        variants = {r.iri: name_variants(r) for r in regions}
        name_hits = self.by_name(v for vs in variants.values() for v in vs)
        per_region: dict[str, dict[str, Candidate]] = {}
        for region in regions:
            candidates: dict[str, Candidate] = {}
            for qid in code_hits.get(region.code or "", set()):
                candidates.setdefault(qid, Candidate(qid))
            for literal in variants[region.iri]:
                for qid, _how in name_hits.get(literal, set()):
                    candidates.setdefault(qid, Candidate(qid))
            per_region[region.iri] = candidates
        facts = self.facts(q for c in per_region.values() for q in c)
        results = []
        for region in regions:
            scored = list(per_region[region.iri].values())
            for candidate in scored:
                _score(candidate, region, facts[candidate.qid], variants[region.iri], name_hits)
            scored.sort(key=lambda c: (c.rejected is not None, -c.score, int(c.qid[1:])))
            results.append(LinkResult(region, scored, _clear_winner(region, scored)))
        return results


def _score(
    candidate: Candidate,
    region: RegionToLink,
    facts: dict[str, set[str]],
    variants: set[tuple[str, str]],
    name_hits: dict[tuple[str, str], set[tuple[str, str]]],
) -> None:
    candidate.label = sorted(facts["label"])[0] if facts["label"] else candidate.qid
    if region.country not in facts["cc"]:
        found = ", ".join(sorted(facts["cc"])) or "none"
        candidate.rejected = f"country {found}, not {region.country}"
        return
    if facts["settlement"]:
        candidate.rejected = "a settlement, not a region"
        return
    if not facts["level"]:
        candidate.rejected = "not a first- or second-level administrative subdivision"
        return
    score = SCORE_COUNTRY + SCORE_LEVEL
    evidence = [f"country {region.country}", "administrative subdivision"]
    if region.code and region.code in facts["code"]:
        score += SCORE_CODE
        evidence.insert(0, f"ISO 3166-2 {region.code}")
    elif region.code and facts["code"]:
        evidence.append(f"other ISO code {', '.join(sorted(facts['code']))}")
    label_langs: set[str] = set()
    alias_langs: set[str] = set()
    for literal in variants:
        for qid, how in name_hits.get(literal, set()):
            if qid == candidate.qid:
                (label_langs if how == "label" else alias_langs).add(literal[1])
    alias_langs -= label_langs
    names = min(NAME_CAP, SCORE_LABEL * len(label_langs) + SCORE_ALIAS * len(alias_langs))
    score += names
    if label_langs:
        evidence.append("label in " + ",".join(sorted(label_langs)))
    if alias_langs:
        evidence.append("alias in " + ",".join(sorted(alias_langs)))
    candidate.score = min(100, score)
    candidate.evidence = evidence


def _clear_winner(region: RegionToLink, candidates: list[Candidate]) -> Candidate | None:
    viable = [c for c in candidates if c.rejected is None]
    if not viable:
        return None
    best = viable[0]
    threshold = THRESHOLD_WITH_CODE if region.code else THRESHOLD_WITHOUT_CODE
    if best.score < threshold:
        return None
    if len(viable) > 1 and best.score - viable[1].score < LEAD:
        return None
    return best


# ----------------------------------------------------------------------------- mappings


@dataclass
class LinkRun:
    results: list[LinkResult]
    mappings: list[Mapping]
    disagreements: list[str]


def to_mapping(result: LinkResult, date: str) -> Mapping:
    assert result.match is not None
    match = result.match
    return Mapping(
        subject_id=f"region:{result.region.slug}",
        subject_label=result.region.label,
        predicate_id=EXACT_MATCH,
        object_id=f"wd:{match.qid}",
        object_label=match.label,
        mapping_justification="semapv:CompositeMatching",
        confidence=f"{match.score / 100:.2f}",
        mapping_date=date,
        comment="; ".join(match.evidence),
    )


def merge(results: list[LinkResult], existing: list[Mapping], date: str) -> LinkRun:
    """New links, with reviewed links kept and disagreements with them reported."""
    reviewed = {m.subject_id: m for m in existing if m.reviewed}
    mappings = list(reviewed.values())
    disagreements = []
    for result in results:
        subject = f"region:{result.region.slug}"
        if subject in reviewed:
            kept = reviewed[subject]
            if result.match is None:
                disagreements.append(
                    f"{subject}: kept reviewed link {kept.object_id}; this run found "
                    f"{result.status}"
                )
            elif f"wd:{result.match.qid}" != kept.object_id:
                disagreements.append(
                    f"{subject}: kept reviewed link {kept.object_id}; this run suggests "
                    f"wd:{result.match.qid} ({result.match.label}, score {result.match.score})"
                )
            continue
        if result.match is not None:
            mappings.append(to_mapping(result, date))
    return LinkRun(results, mappings, disagreements)


# ----------------------------------------------------------------------------- names alone
#
# A council's table names a partner as the council writes it ("Adunarea Generală a
# Autoguvernării Județului Pest", "Orenburská oblast", "Trentino (Italia)") with a country,
# and nothing else: no code, no item. The words around the name come from a data file
# (linkwords.toml); the name's forms are looked up as exact literals in every language, and a
# name is linked only when exactly one subdivision of its country bears it.

WORDS_FILE = Path(__file__).with_name("linkwords.toml")
COUNTRY_NAMES_FILE = Path(__file__).with_name("countrynames.tsv")
_SEP = r"[\s\-,–—:;.]"


@functools.cache
def words() -> dict[str, Any]:
    """The linker's word lists (package data)."""
    with WORDS_FILE.open("rb") as handle:
        return tomllib.load(handle)


def _fold_char(char: str) -> str:
    char = {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O"}.get(char, char)
    if char in "’´`‘":
        return "'"
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _fold_map(text: str) -> tuple[str, list[int]]:
    """The folded text, and for each folded character the index of the character it came from."""
    out: list[str] = []
    index: list[int] = []
    for position, char in enumerate(text):
        for folded in _fold_char(char):
            out.append(folded)
            index.append(position)
    return "".join(out), index


def key(text: str) -> str:
    """A name's comparison key: folded, apostrophes and hyphens as spaces, spaces collapsed."""
    folded = "".join(_fold_char(c) for c in text)
    return " ".join(re.sub(r"['’´`‘\-–]", " ", folded).split())


def _phrase_regex(phrase: str) -> str:
    return r"\s+".join(re.escape(part) for part in phrase.split())


@functools.cache
def _patterns() -> dict[str, list[tuple[re.Pattern[str], str]]]:
    """Compiled prefix/suffix patterns for bodies and designators, longest phrase first."""
    table = words()

    def compile_all(phrases: dict[str, str], where: str) -> list[tuple[re.Pattern[str], str]]:
        ordered = sorted(phrases, key=lambda p: (-len(p), p))
        if where == "prefix":
            # A word ends at a separator, except after an apostrophe ("de l'Allier").
            ends = {p: "" if p.endswith("'") else f"(?={_SEP}|$)" for p in ordered}
            return [
                (re.compile(rf"^{_phrase_regex(p)}{ends[p]}{_SEP}*"), phrases[p]) for p in ordered
            ]
        return [(re.compile(rf"(?:^|{_SEP}+){_phrase_regex(p)}$"), phrases[p]) for p in ordered]

    return {
        "body_prefix": compile_all(dict.fromkeys(table["body_prefixes"], ""), "prefix"),
        "body_suffix": compile_all(dict.fromkeys(table["body_suffixes"], ""), "suffix"),
        "designator_prefix": compile_all(table["designators"]["prefix"], "prefix"),
        "designator_suffix": compile_all(table["designators"]["suffix"], "suffix"),
    }


def _tidy(text: str) -> str:
    return " ".join(text.split()).strip(" \t-–—,;:.\"'„“”«»")


def _cut_once(text: str, patterns: list[tuple[re.Pattern[str], str]]) -> tuple[str, str | None]:
    """Remove the first pattern that matches (on the folded text); return the rest and its kind."""
    folded, index = _fold_map(text)
    for pattern, kind in patterns:
        match = pattern.search(folded)
        if match is None or match.start() == match.end():
            continue
        start = index[match.start()]
        end = index[match.end() - 1] + 1
        rest = _tidy(text[:start] + " " + text[end:])
        if rest:
            return rest, kind
    return text, None


@functools.cache
def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for line in COUNTRY_NAMES_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, code = line.split("\t")[:2]
            names[key(name)] = code.strip()
    return names


def country_code(text: str) -> str | None:
    """ISO 3166-1 alpha-2 of a country written as a code or a name (ours or pycountry's)."""
    import pycountry

    cleaned = _tidy(text)
    if not cleaned:
        return None
    if re.fullmatch(r"[A-Za-z]{2}", cleaned):
        found = pycountry.countries.get(alpha_2=cleaned.upper())
        return found.alpha_2 if found else None
    named = _country_names().get(key(cleaned))
    if named:
        return named
    try:
        return str(pycountry.countries.lookup(cleaned).alpha_2)
    except LookupError:
        return None


@dataclass(frozen=True)
class ParsedName:
    """A name as written, with the wrappers around it taken apart."""

    written: str
    full: str  # bodies and country qualifiers removed, designators kept
    bare: str  # designators removed too
    kinds: tuple[str, ...]  # kinds of unit the designators name
    country: str | None  # from a qualifier in the name


def _strip_qualifiers(text: str) -> tuple[str, str | None]:
    country = None
    for match in list(re.finditer(r"\(([^()]*)\)", text)):
        code = country_code(match.group(1))
        if code:
            country = country or code
            text = text.replace(match.group(0), " ")
    text = _tidy(text)
    connectors = words()["qualifiers"]["before_country"]
    tokens = text.split()
    for position in range(1, len(tokens) - 1 + 1):
        if key(tokens[position - 1]) not in connectors or position - 1 == 0:
            continue
        for end in range(len(tokens), position, -1):
            code = country_code(" ".join(tokens[position:end]))
            if code:
                rest = tokens[: position - 1] + tokens[end:]
                return _strip_qualifiers(" ".join(rest))[0], country or code
    return text, country


def parse_name(text: str) -> ParsedName:
    """Take a council's way of writing a region apart: bodies, country qualifiers, designators."""
    patterns = _patterns()
    name, country = _strip_qualifiers(_tidy(text))
    changed = True
    while changed:
        before = name
        name, _ = _cut_once(name, patterns["body_prefix"])
        name, _ = _cut_once(name, patterns["body_suffix"])
        changed = name != before
    full = name
    kinds: list[str] = []
    changed = True
    while changed:
        before = name
        for which in ("designator_prefix", "designator_suffix"):
            name, kind = _cut_once(name, patterns[which])
            if kind:
                kinds.append(kind)
        changed = name != before
    return ParsedName(text, full, name, tuple(kinds), country)


def _replace_ending(word: str, rules: list[list[str]]) -> list[str]:
    found = []
    for old, new in rules:
        if word.casefold().endswith(old.casefold()) and len(word) > len(old) + 2:
            found.append(word[: len(word) - len(old)] + new)
    return found


def _with_last_word(text: str, forms: list[str]) -> list[str]:
    head, _, last = text.rpartition(" ")
    return [f"{head} {form}".strip() for form in forms]


def noun_forms(text: str) -> list[str]:
    """The noun a Czech, Slovak, Polish or Hungarian adjective names ("Liberecký": "Liberec")."""
    last = text.rpartition(" ")[2]
    rules = words()["forms"]["noun_from_adjective"]
    nouns = _replace_ending(last, rules)[:1]
    return [n[:1].upper() + n[1:] for n in _with_last_word(text, nouns)]


def adjective_forms(noun: str, gender: str) -> list[str]:
    """Adjectives of a noun ("Liberec" -> "Liberecký"), for templates such as "{adj_m} kraj"."""
    last = noun.rpartition(" ")[2]
    table = words()["forms"]
    forms = _replace_ending(last, table[f"adjective_{gender}"])
    # An adjective already ("Žilinský", "małopolska"): the same adjective in this gender.
    stems = "|".join(re.escape(stem) for stem in table["adjective_stems"])
    endings = "|".join(
        sorted({e for es in table["gender_endings"].values() for e in es}, key=len)[::-1]
    )
    match = re.fullmatch(rf"(.+(?:{stems}))(?:{endings})", last, flags=re.IGNORECASE)
    if match:
        forms += [match.group(1) + ending for ending in table["gender_endings"][gender]]
    adjectives = _with_last_word(noun, list(dict.fromkeys(forms)))
    return adjectives + [a[:1].lower() + a[1:] for a in adjectives]


def _cedilla_variants(text: str) -> set[str]:
    comma_to_cedilla = str.maketrans("șțȘȚ", "şţŞŢ")
    cedilla_to_comma = str.maketrans("şţŞŢ", "șțȘȚ")
    return {text, text.translate(comma_to_cedilla), text.translate(cedilla_to_comma)}


def spelling_variants(text: str) -> set[str]:
    """Ways the same name is spelt: ș/ş, with and without diacritics, apostrophes, hyphens, case."""
    forms = {text}
    if re.search("[șțȘȚşţŞŢ]", text):
        forms |= _cedilla_variants(text)
    if re.search(r"['’´`‘]", text):
        forms |= {re.sub(r"['’´`‘]", mark, f) for f in forms for mark in ("'", "’")}
    if "-" in text:
        forms |= {f.replace("-", " ") for f in forms}
    words_capitalised = {" ".join(w[:1].upper() + w[1:].lower() for w in f.split()) for f in forms}
    sentence_case = {f[:1].upper() + f[1:].lower() for f in forms}
    forms |= words_capitalised | sentence_case | {f[:1].upper() + f[1:] for f in forms}
    forms |= {f.lower() for f in forms}
    forms |= {
        "".join(c for c in unicodedata.normalize("NFKD", f) if not unicodedata.combining(c))
        for f in forms
    }
    return {f for f in forms if f}


def name_literals(parsed: ParsedName) -> dict[tuple[str, str], int]:
    """Exact (text, language) literals to look up for a name, each with its tier.

    Tier 0: the name as written without bodies and qualifiers (designators kept), in every
    language. Tier 1: the bare name, its noun form, and the bare name in the designator
    templates of every kind, in the template's language.
    """
    table = words()
    languages = table["languages"]
    found: dict[tuple[str, str], int] = {}

    def add(text: str, langs: Iterable[str], tier: int) -> None:
        for form in spelling_variants(text):
            for lang in langs:
                literal = (form, lang)
                found[literal] = min(tier, found.get(literal, tier))

    add(parsed.full, languages, 0)
    stems = [parsed.bare, *noun_forms(parsed.bare)]
    for stem in stems:
        add(stem, languages, 1)
    for templates in table["templates"].values():
        for lang, patterns in templates.items():
            for stem in stems:
                for pattern in patterns:
                    for text in _fill(pattern, stem):
                        add(text, [lang], 1)
    return found


def _fill(pattern: str, stem: str) -> list[str]:
    for gender in ("m", "f", "n"):
        if "{adj_" + gender + "}" in pattern:
            return [
                pattern.replace("{adj_" + gender + "}", a) for a in adjective_forms(stem, gender)
            ]
    return [pattern.replace("{}", stem)]


@dataclass
class NameResult:
    """What the linker made of one name written with its country."""

    written: str
    country: str
    parsed: ParsedName
    candidates: list[Candidate]
    match: Candidate | None
    settlements: list[Candidate] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.match:
            return "linked"
        if any(c.rejected is None for c in self.candidates):
            return "ambiguous"
        if self.settlements:
            return "settlement"
        return "no candidate"

    def describe(self) -> list[str]:
        lines = [f"{self.status}: {self.written!r} ({self.country})"]
        for candidate in self.candidates:
            why = candidate.rejected or "; ".join(candidate.evidence)
            label = shown(candidate.label)
            lines.append(f"    wd:{candidate.qid} {candidate.score:>3}  {label}: {shown(why)}")
        return lines


def _similarity(name: str, label: str) -> int:
    from rapidfuzz import fuzz

    return int(fuzz.token_sort_ratio(key(name), key(label)))


class NameLinker:
    """Links names written with their country to Wikidata items, by exclusivity."""

    def __init__(self, reconciler: Reconciler):
        self.reconciler = reconciler

    def link(self, names: list[tuple[str, str]]) -> list[NameResult]:
        """(name as written, ISO 3166-1 alpha-2) -> a result per name, in order."""
        parsed = [parse_name(text) for text, _ in names]
        literals = [name_literals(p) for p in parsed]
        everything = {lit for lits in literals for lit in lits}
        hits = self.reconciler.by_name(everything)
        qids = {qid for lit in everything for qid, _ in hits.get(lit, set())}
        facts = self.reconciler.facts(qids)
        return [
            self._judge(text, country, p, lits, hits, facts)
            for (text, country), p, lits in zip(names, parsed, literals, strict=True)
        ]

    def _judge(
        self,
        written: str,
        country: str,
        parsed: ParsedName,
        literals: dict[tuple[str, str], int],
        hits: dict[tuple[str, str], set[tuple[str, str]]],
        facts: dict[str, dict[str, set[str]]],
    ) -> NameResult:
        tiers: dict[str, int] = {}
        langs: dict[str, dict[str, set[str]]] = {}
        for literal, tier in literals.items():
            for qid, how in hits.get(literal, set()):
                tiers[qid] = min(tier, tiers.get(qid, tier))
                langs.setdefault(qid, {"label": set(), "alias": set()})[how].add(literal[1])
        candidates = []
        settlements = []
        for qid in sorted(tiers, key=lambda q: int(q[1:])):
            fact = facts.get(qid, {})
            candidate = Candidate(qid)
            candidate.label = sorted(fact.get("label", set()) or {qid})[0]
            label_langs = langs[qid]["label"]
            alias_langs = langs[qid]["alias"] - label_langs
            if country not in fact.get("cc", set()):
                found = ", ".join(sorted(fact.get("cc", set()))) or "none"
                candidate.rejected = f"country {found}, not {country}"
            elif fact.get("settlement"):
                candidate.rejected = "a settlement, not a region"
                settlements.append(candidate)
            elif not fact.get("level"):
                candidate.rejected = "not a first- or second-level administrative subdivision"
            names = min(NAME_CAP, SCORE_LABEL * len(label_langs) + SCORE_ALIAS * len(alias_langs))
            exact = 20 if tiers[qid] == 0 else 0
            candidate.score = min(100, SCORE_COUNTRY + SCORE_LEVEL + names + exact)
            candidate.evidence = [
                "name as written" if tiers[qid] == 0 else "bare name or designator form",
                *(["label in " + ",".join(sorted(label_langs))] if label_langs else []),
                *(["alias in " + ",".join(sorted(alias_langs))] if alias_langs else []),
                f"similarity {_similarity(parsed.bare, candidate.label)}",
            ]
            candidates.append(candidate)
        viable = [c for c in candidates if c.rejected is None]
        match = None
        for tier in (0, 1):
            at_tier = [c for c in viable if tiers[c.qid] == tier]
            if len(at_tier) == 1:
                match = at_tier[0]
                break
            if at_tier:
                break  # several subdivisions bear the name: a person decides
        candidates.sort(
            key=lambda c: (
                c.rejected is not None,
                tiers[c.qid],
                -c.score,
                -_similarity(parsed.bare, c.label),
                int(c.qid[1:]),
            )
        )
        return NameResult(written, country, parsed, candidates, match, settlements)
