"""Following every link of a running server, as a reader (or a crawler) would: the helper of test_fresh_clone.py.

No tests here. ``crawl`` fetches the landing page and every internal URL reachable from it by HTML links (``href``
and ``src`` of any element), a few at a time; ``dataset_dumps`` reads the distributions `/dataset` advertises.

One bound keeps the crawl finite and short: the links of a query result page (`/sparql?…`) are followed only for the
example queries (linked from the landing page or the query page). So every example query, every download format of
its result and every link in its result are fetched, and so is the DESCRIBE query each document page links to, but
not the download formats of each of those DESCRIBEs (the same code as the examples' formats), and so on.
A 503 with Retry-After (all query workers busy, by design) is asked again after the time it names.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import requests
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, VOID

SPDX = Namespace("http://spdx.org/rdf/terms#")
SHA256 = SPDX.checksumAlgorithm_sha256


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in ("href", "src") and value]


def links_of(page_url: str, html: str) -> list[str]:
    """Every http(s) URL a page links to, absolute, without its fragment."""
    parser = _Links()
    parser.feed(html)
    absolute = (urldefrag(urljoin(page_url, link)).url for link in parser.found)
    return [url for url in absolute if urlsplit(url).scheme in ("http", "https")]


@dataclass
class Crawl:
    seen: dict[str, int] = field(default_factory=dict)  # internal URL -> status
    linked_from: dict[str, str] = field(default_factory=dict)  # internal URL -> a page that links to it
    external: set[str] = field(default_factory=set)

    def problems(self) -> list[str]:
        return [f"{status} {url} (linked from {self.linked_from.get(url, 'nowhere: the start')[:160]})"
                for url, status in sorted(self.seen.items()) if status >= 500 or status == 404]


BUSY_RETRIES = 8


def _is_query(url: str) -> bool:
    return urlsplit(url).path.rstrip("/") == "/sparql" and bool(urlsplit(url).query)


def _fetch(session: requests.Session, url: str) -> tuple[int, str | None]:
    for _ in range(BUSY_RETRIES):
        response = session.get(url, headers={"Accept": "text/html"}, timeout=60)
        if response.status_code != 503 or "Retry-After" not in response.headers:
            break
        time.sleep(min(float(response.headers["Retry-After"]), 5))
    is_html = response.headers.get("Content-Type", "").startswith("text/html")
    return response.status_code, response.text if is_html and response.ok else None


def crawl(root: str, limit: int = 5000, threads: int = 6) -> Crawl:
    """Fetch ``root`` and, level by level, every same-origin URL its HTML pages link to (at most ``limit``)."""
    origin = urlsplit(root).netloc
    result = Crawl()
    level = [root]
    result.seen[root] = 0
    with requests.Session() as session, ThreadPoolExecutor(threads) as pool:
        while level:
            answers = list(pool.map(lambda url: _fetch(session, url), level))
            following = []
            for url, (status, html) in zip(level, answers, strict=True):
                result.seen[url] = status
                if _is_query(url) and urlsplit(result.linked_from.get(url, "")).path not in ("/", "/sparql"):
                    continue
                for link in links_of(url, html) if html else []:
                    if urlsplit(link).netloc != origin:
                        result.external.add(link)
                    elif link not in result.seen and len(result.seen) < limit:
                        result.seen[link] = 0
                        result.linked_from[link] = url
                        following.append(link)
            level = following
    return result


@dataclass
class Dump:
    url: str
    size: int | None
    sha256: str | None


def dataset_dumps(description: Graph) -> list[Dump]:
    """Every dump `/dataset` names (``void:dataDump``, ``dcat:downloadURL``), with the size and SHA-256 it advertises
    for that URL (``dcat:byteSize``, ``spdx:checksum`` of the distribution whose download URL it is)."""
    urls = set(description.objects(None, VOID.dataDump)) | set(description.objects(None, DCAT.downloadURL))
    dumps = []
    for url in sorted(urls):
        size, digest = None, None
        for distribution in description.subjects(DCAT.downloadURL, URIRef(url)):
            size = next((int(v) for v in description.objects(distribution, DCAT.byteSize)), size)
            for checksum in description.objects(distribution, SPDX.checksum):
                if (checksum, SPDX.algorithm, SHA256) in description:
                    digest = next((str(v) for v in description.objects(checksum, SPDX.checksumValue)), digest)
        dumps.append(Dump(str(url), size, digest))
    return dumps
