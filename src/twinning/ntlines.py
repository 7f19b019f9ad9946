"""The export's sorted N-Triples read as text lines: terms as plain tuples, subjects grouped.

Parsing millions of lines into Oxigraph objects costs more than everything done with them, so
the export reads its own ``twinning.nt`` (written by Oxigraph, lines sorted bytewise, so each
subject's triples are together) as text. Passes over it feed the JSON-LD writer, the rows
of ``agreements.csv`` and the catalogue's statistics: one pass on a small graph, one per child
process on a large one (see :func:`export.write_files`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from . import terms

# A term as a plain tuple that is also its sort key: (0, IRI), (1, blank node label) or
# (2, lexical form, language, datatype). The same tuples come from Oxigraph objects (key)
# and from N-Triples text (term), so one piece of code serves both.
Key = tuple[int, str, str, str]
IRI, BLANK, LITERAL = 0, 1, 2
STRING = terms.XSD + "string"
LANG_STRING = terms.PREFIXES["rdf"] + "langString"
# One subject's triples: predicate IRI -> objects, in the order they came.
Predicates = dict[str, list[Key]]


def key(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Key:
    """The tuple of an Oxigraph term."""
    if isinstance(term, ox.NamedNode):
        return (IRI, term.value, "", "")
    if isinstance(term, ox.BlankNode):
        return (BLANK, term.value, "", "")
    return (LITERAL, term.value, term.language or "", term.datatype.value)


def term(text: str) -> Key:
    """The tuple of one term as Oxigraph writes it in N-Triples (IRIs, text unescaped)."""
    first = text[0]
    if first == "<":
        return (IRI, text[1:-1], "", "")
    if first == "_":
        return (BLANK, text[2:], "", "")
    end = text.rindex('"')
    quoted, suffix = text[: end + 1], text[end + 1 :]
    if "\\" not in quoted:
        value = quoted[1:-1]
    elif "\\U" in quoted:  # a \U escape, which JSON lacks: Oxigraph's own parser
        literal = next(iter(ox.parse(f"<x:s> <x:p> {text} .", format=ox.RdfFormat.N_TRIPLES)))
        return key(literal.object)
    else:
        # Oxigraph escapes only quote, backslash and control characters, as JSON does.
        value = json.loads(quoted)
    if not suffix:
        return (LITERAL, value, "", STRING)
    if suffix[0] == "@":
        return (LITERAL, value, suffix[1:], LANG_STRING)
    return (LITERAL, value, "", suffix[3:-1])


def subjects_of_file(path: Path) -> Iterator[tuple[Key, Predicates]]:
    """:func:`subjects` of a sorted N-Triples file written by Oxigraph, read line by line.

    The lines must be sorted (the export's ``twinning.nt``), so each subject's lines are
    together: a subject that sorts before the one just read is an error.
    """
    subject_text = ""
    subject: Key | None = None
    predicates: Predicates = {}
    datatypes: dict[str, str] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            text, predicate, obj = line.split(" ", 2)
            if text != subject_text:
                if subject is not None:
                    yield subject, predicates
                if text < subject_text:
                    raise ValueError(
                        f"{path}: the lines are not sorted ({text} after {subject_text})"
                    )
                subject_text, subject, predicates = text, term(text), {}
            obj = obj[:-3]  # the line ends in " .\n"
            # term(obj), with its common cases written out: this loop reads millions of lines
            first = obj[0]
            if first == "<":
                value = (IRI, obj[1:-1], "", "")
            elif first == "_" or "\\" in obj:
                value = term(obj)
            elif obj[-1] == '"':
                value = (LITERAL, obj[1:-1], "", STRING)
            else:
                end = obj.rindex('"')
                if obj[end + 1] == "@":
                    value = (LITERAL, obj[1:end], obj[end + 2 :], LANG_STRING)
                else:  # one string per datatype, not one per literal
                    datatype = obj[end + 4 : -1]
                    datatype = datatypes.setdefault(datatype, datatype)
                    value = (LITERAL, obj[1:end], "", datatype)
            iri = predicate[1:-1]
            found = predicates.get(iri)
            if found is None:
                predicates[iri] = [value]
            else:
                found.append(value)
    if subject is not None:
        yield subject, predicates


def from_store(quads: Iterable[ox.Quad]) -> Iterator[tuple[Key, str, Key]]:
    """The same tuples from Oxigraph quads (a store's, a parser's)."""
    return ((key(q.subject), q.predicate.value, key(q.object)) for q in quads)  # type: ignore[arg-type]


def subjects(triples_: Iterable[tuple[Key, str, Key]]) -> Iterator[tuple[Key, Predicates]]:
    """Each subject with its predicates and objects, in the order the subjects come.

    The triples must give each subject's triples together, as a sorted file or a store does;
    a subject that comes back after another is an error rather than a silently split node.
    """
    done: set[Key] = set()
    subject: Key | None = None
    predicates: Predicates = {}
    for triple_subject, predicate, obj in triples_:
        if triple_subject != subject:
            if subject is not None:
                yield subject, predicates
                done.add(subject)
            if triple_subject in done:
                raise ValueError(f"triples of {triple_subject[1]} are not together")
            subject, predicates = triple_subject, {}
        found = predicates.get(predicate)
        if found is None:
            predicates[predicate] = [obj]
        else:
            found.append(obj)
    if subject is not None:
        yield subject, predicates
