"""What crawlers read: ``/robots.txt`` (everything may be crawled; where the sitemap is) and the sitemap of
the HTML pages (``/sitemap.xml``; past ``SITEMAP_LIMIT`` pages it becomes a sitemap index of
``/sitemap-<n>.xml`` files, as the sitemaps protocol allows at most 50,000 URLs per file).

Machine-readable discovery is ``/.well-known/void`` and the DCAT description (the semantic-sitemap extension is
deprecated), so the sitemap lists only pages for people: the landing page, the dataset's pages and one HTML
document per thing of the data and of the vocabulary. URLs are on ``public_base``.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from flask import Blueprint, Response

from ..errors import ApiError
from .paths import document_path
from .views import served, settings

bp = Blueprint("crawling", __name__)
SITEMAP_LIMIT = 50_000
FIXED_PAGES = ("", "dataset.html", "dumps", "sparql", "ontology.html", "validation-report.html")
_pages: dict[str, list[str]] = {}


def html_pages(current, base_iri: str) -> list[str]:
    """Paths (without the leading slash) of every HTML page of a release, in a stable order; made once per release."""
    found = _pages.get(current.version)
    if found is None:
        subjects = {s["s"].value for s in current.store.query(
            "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }", use_default_graph_as_union=True)}
        documents = {document_path(iri, base_iri) for iri in subjects if "#" not in iri}
        documents |= {f"/graph/{name[len(base_iri) + len('graph/'):]}.html"
                      for name in current.manifest.get("graphs", {}) if name.startswith(f"{base_iri}graph/")}
        found = list(FIXED_PAGES) + sorted(d[1:] for d in documents if d and d[1:] not in FIXED_PAGES)
        _pages.clear()
        _pages[current.version] = found
    return found


def _xml(body: str) -> Response:
    return Response('<?xml version="1.0" encoding="UTF-8"?>\n' + body, content_type="application/xml; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=3600"})


def _urlset(paths: list[str], public_base: str, lastmod: str) -> Response:
    entries = "".join(f"<url><loc>{escape(public_base + p)}</loc><lastmod>{lastmod}</lastmod></url>\n" for p in paths)
    return _xml(f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n')


@bp.route("/robots.txt")
def robots() -> Response:
    body = f"User-agent: *\nAllow: /\n\nSitemap: {settings().public_base}sitemap.xml\n"
    return Response(body, content_type="text/plain; charset=utf-8", headers={"Cache-Control": "public, max-age=3600"})


@bp.route("/sitemap.xml")
def sitemap() -> Response:
    current, config = served(), settings()
    pages = html_pages(current, config.base_iri)
    lastmod = current.manifest.get("built_at", "")
    if len(pages) <= SITEMAP_LIMIT:
        return _urlset(pages, config.public_base, lastmod)
    parts = -(-len(pages) // SITEMAP_LIMIT)
    entries = "".join(f"<sitemap><loc>{escape(config.public_base)}sitemap-{n}.xml</loc><lastmod>{lastmod}</lastmod>"
                      "</sitemap>\n" for n in range(1, parts + 1))
    return _xml(f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</sitemapindex>\n')


@bp.route("/sitemap-<int:number>.xml")
def sitemap_part(number: int) -> Response:
    current, config = served(), settings()
    pages = html_pages(current, config.base_iri)
    parts = -(-len(pages) // SITEMAP_LIMIT)
    if len(pages) <= SITEMAP_LIMIT or not 1 <= number <= parts:
        raise ApiError(404, "No such sitemap", f"The sitemap has {parts if len(pages) > SITEMAP_LIMIT else 0} parts; "
                       "/sitemap.xml lists them.", extra={"sitemap": "/sitemap.xml"})
    chunk = pages[(number - 1) * SITEMAP_LIMIT:number * SITEMAP_LIMIT]
    return _urlset(chunk, config.public_base, current.manifest.get("built_at", ""))
