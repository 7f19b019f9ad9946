"""``twinning site``: write the whole static site from the built graph.

The site is written into a temporary folder beside the target and swapped in only when every
file was written, so a failed build leaves the previous site as it was. Links between pages
are relative, so the same folder works under any base URL, from a file system and behind
``twinning serve``; the base URL only goes into the catalogue's download links, the schema.org
``url`` and the content-negotiation rules. The same data gives the same bytes.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import jinja2
import pyoxigraph as ox
from markupsafe import Markup

from .. import catalog, jsonld, rdfio, safeio, terms
from ..errors import CannotRun
from ..export import CATALOG_JSONLD, CATALOG_TTL, DATA_FILES, export
from ..load import LoadedGraph
from . import conneg, geomap, network, ontology, pages, timeline
from .model import (
    BASE,
    ONTOLOGY_IRI,
    SiteGraph,
    href,
    local_name,
    package_file,
    page_path,
    root_prefix,
)

_V = TypeVar("_V")
LANGUAGES = ("en", "ro", "cs")
# Written into every site, so a rebuild knows the folder it replaces is a site of ours.
SITE_MARK = ".twinning-site"
DEFAULT_BASE_URL = "https://w3id.org/twinning/"
P = terms.PREFIXES
# The classes counted on the home page, in this order.
COUNTED = [
    terms.AGREEMENT,
    terms.REGION,
    terms.DECISION,
    terms.SOURCE_DOCUMENT,
    P["org"] + "FormalOrganization",
]


@dataclass
class SiteSummary:
    out: Path
    pages: int
    files: int


def messages(lang: str) -> dict[str, str]:
    """The interface words in one language (``messages.json``)."""
    table = json.loads(package_file("messages.json").read_text(encoding="utf-8"))
    texts: dict[str, str] = table[lang]
    return texts


# Characters HTML forbids in a document (WHATWG "control-character-in-input-stream",
# "noncharacter-in-input-stream"), even as character references: a name holding one made
# the page invalid. On pages they are shown as what they are (U+0001 as the symbol ␁), or as
# U+FFFD where Unicode has no symbol; the data files beside the page keep them exactly.
_SHOWN_AS = {
    **{code: 0x2400 + code for code in range(0x20) if chr(code) not in "\t\n\f\r"},
    0x7F: 0x2421,
    **{code: 0xFFFD for code in range(0x80, 0xA0)},
    **{code: 0xFFFD for code in range(0xFDD0, 0xFDF0)},
    **{plane + end: 0xFFFD for plane in range(0, 0x110000, 0x10000) for end in (0xFFFE, 0xFFFF)},
}


def _printable(value: Any) -> Any:
    """Every ``{{ value }}`` of the templates, before escaping: see :data:`_SHOWN_AS`."""
    if isinstance(value, str):
        shown = value.translate(_SHOWN_AS)
        return Markup(shown) if isinstance(value, Markup) else shown
    return value


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(package_file("templates"))),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=_printable,
    )


def build_site(
    graph: LoadedGraph,
    out: Path,
    root: Path,
    base_url: str = DEFAULT_BASE_URL,
    lang: str = "en",
) -> SiteSummary:
    """Write the site for ``graph`` into ``out`` (replaced as a whole, atomically)."""
    if lang not in LANGUAGES:
        raise CannotRun(f"--lang {lang!r}: choose one of {', '.join(LANGUAGES)}")
    from ..api import check_url

    check_url("--base-url", base_url)  # it starts the IRIs of the catalogue's downloads
    if not base_url.endswith("/"):
        base_url += "/"
    # A folder with our site mark (sites written before the shared marker) counts as ours.
    ours = (out / SITE_MARK).is_file()
    with safeio.replace_folder(out, root, force=ours) as staging:
        count = write_site(graph, staging, root, base_url, lang)
        files = sum(1 for p in staging.rglob("*") if p.is_file())
    out = out.resolve()
    return SiteSummary(out=out, pages=count, files=files)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def write_site(graph: LoadedGraph, folder: Path, root: Path, base_url: str, lang: str) -> int:
    """Write every file of the site into ``folder``; return the number of HTML pages."""
    options = catalog.CatalogOptions(base_url=base_url + "dist/")
    export(graph, folder / "dist", root, options)
    site = SiteGraph.read(graph.store, lang)
    # The catalogue's own resources (catalog, dataset, distributions...) get pages too.
    site.add(
        t
        for t in rdfio.parse_file(folder / "dist" / CATALOG_TTL)
        if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(f"{BASE}id/")
    )
    writer = pages.JsonLdWriter(jsonld.Context.load(root / "ontology" / "context.jsonld"))
    env = environment()
    texts = messages(lang)
    count = 0

    resource_template = env.get_template("resource.html")
    partners: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    for line in geomap.partnerships(site):
        partners[line.a].append((line.b, line.agreements))
        partners[line.b].append((line.a, line.agreements))
    for found in partners.values():
        found.sort(key=lambda item: (site.label(item[0]).casefold(), item[0]))
    for iri in site.page_subjects():
        path = site.page_of(iri)
        assert path is not None
        view = pages.resource_view(site, iri, path, base_url, partners)
        page = f"{path}.html"
        html = resource_template.render(view=view, t=texts, lang=lang, root=root_prefix(page))
        _write(folder / page, html)
        for extension, text in pages.resource_files(
            site.triples_of.get(iri, set()), writer
        ).items():
            _write(folder / f"{path}.{extension}", text)
        count += 1

    count += _write_ontology(site, folder, env, texts, lang, writer)
    _write(folder / "index.html", _home(site, env, texts, lang))
    count += 1
    (folder / "static").mkdir(exist_ok=True)
    for name in ("site.css", "filter.js"):
        shutil.copyfile(package_file("static", name), folder / "static" / name)
    _write(folder / ".htaccess", conneg.htaccess(base_url))
    _write(folder / "nginx.conf", conneg.nginx(base_url))
    _write(folder / "w3id.htaccess", conneg.w3id_htaccess(base_url))
    _write(folder / SITE_MARK, "Written by `twinning site`; the folder is replaced on rebuild.\n")
    return count


def _write_ontology(
    site: SiteGraph,
    folder: Path,
    env: jinja2.Environment,
    texts: dict[str, str],
    lang: str,
    writer: pages.JsonLdWriter,
) -> int:
    """The ontology page at the ontology IRI, and a copy at each of its version IRIs."""
    triples = pages.ontology_triples(site)
    files = pages.resource_files(triples, writer)
    template = env.get_template("ontology.html")
    paths = ["ontology"]
    for version in site.by_subject.get(ONTOLOGY_IRI, {}).get(P["owl"] + "versionIRI", []):
        version_path = page_path(version.value)
        if version_path:
            paths.append(version_path)
    for path in paths:
        page = f"{path}.html"
        name = local_name(path)
        links = [(f"{name}.{ext}", label, conneg.MEDIA_TYPES[ext]) for ext, label in pages.FORMATS]
        html = template.render(
            view=ontology.build(site, page),
            iri=ONTOLOGY_IRI,
            files=links,
            t=texts,
            lang=lang,
            root=root_prefix(page),
        )
        _write(folder / page, html)
        for extension, text in files.items():
            _write(folder / f"{path}.{extension}", text)
    return len(paths)


class _Lookup(dict[str, _V]):
    """A dict the home page's template reads: a key it lacks (an IRI that is no subject, or
    has no page) gives ``missing(key)`` instead of failing the whole site."""

    def __init__(self, items: dict[str, _V], missing: Callable[[str], _V]):
        super().__init__(items)
        self.missing = missing

    def __missing__(self, key: str) -> _V:
        return self.missing(key)


def _home(site: SiteGraph, env: jinja2.Environment, texts: dict[str, str], lang: str) -> str:
    page = "index.html"
    subjects = site.page_subjects()
    links = _Lookup[str | None]({}, lambda _iri: None)  # no page (an unsafe path): no link
    for iri in subjects:
        path = site.page_of(iri)
        if path:
            links[iri] = href(page, f"{path}.html")
    groups: dict[str, list[str]] = defaultdict(list)
    for iri in subjects:
        types = site.types(iri)
        ours = [t for t in types if t.startswith(terms.ONTOLOGY)]
        main = (ours or types or [""])[0]
        groups[main].append(iri)
    index = []

    def group_label(type_iri: str) -> str:
        if type_iri in COUNTED:
            return texts["count_" + local_name(type_iri)]
        return site.label(type_iri) if type_iri else "?"

    for type_iri in sorted(groups, key=lambda t: (t not in COUNTED, group_label(t).casefold(), t)):
        items = sorted(groups[type_iri], key=lambda s: (site.label(s).casefold(), s))
        label = group_label(type_iri)
        anchor = "group-" + (local_name(type_iri) if type_iri else "other")
        index.append((label, anchor, [(site.label(s), links[s]) for s in items]))
    counts = [
        (group_label(cls), len(groups.get(cls, [])), "group-" + local_name(cls))
        for cls in COUNTED
        if groups.get(cls)
    ]
    labels = _Lookup({iri: site.label(iri) for iri in site.by_subject}, site.label)
    downloads = [(name, f"dist/{name}") for name in [*DATA_FILES, CATALOG_TTL, CATALOG_JSONLD]]
    context: dict[str, Any] = {
        "t": texts,
        "lang": lang,
        "root": "",
        "counts": counts,
        "triples": len(site.store),
        "map": geomap.build(site),
        "network": network.build(site),
        "timeline": timeline.build(site),
        "index": index,
        "links": links,
        "labels": labels,
        "downloads": downloads,
    }
    return env.get_template("home.html").render(**context)
