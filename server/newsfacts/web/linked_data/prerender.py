"""Every document of a thing, rendered at build time by the web tier's own code (for ``newsfacts.documents``).

A release being written is served to an app of its own, whose public base is the release's base IRI; each thing
is described once and that description rendered in every format (HTML in each language) inside a request
context for the document's own path, exactly as ``views.document`` renders it for a request.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from ...config import Settings
from ...release import STORE_DIR, Release
from ..errors import ApiError
from ..releases import Served
from . import paths, views
from .remembering_store import RememberingStore

#: (format suffix, language) of every stored document of a thing.
VARIANTS = (("ttl", ""), ("jsonld", ""), ("nt", ""), ("rdf", ""), ("html", "en"), ("html", "es"))


@dataclasses.dataclass(frozen=True)
class _ReleaseBeingWritten(Release):
    """A staging folder under the version it will have once in place."""

    name: str = ""

    @property
    def version(self) -> str:
        return self.name


class _OneRelease:
    def __init__(self, served: Served):
        self.served = served

    def current(self) -> Served:
        return self.served


class Prerenderer:
    def __init__(self, release_path: Path, version: str, settings: Settings):
        from ..app import create_app

        self.settings = dataclasses.replace(settings, public_url=settings.base_iri, document_cache_mb=0,
                                            store="embedded", trusted_hosts="", proxy_count=0)
        self.version = version
        self.app = create_app(self.settings)
        timeline = self.app.jinja_env.globals.get("find_entity_timeline")
        if timeline is not None:  # both languages' pages of an entity show its timeline: read once (the release is written)
            self.app.jinja_env.globals["find_entity_timeline"] = functools.lru_cache(maxsize=1)(timeline)
        # the release is written: what pages ask again and again (labels, claims) is looked up once
        store = RememberingStore(ox.Store.read_only(str(Path(release_path) / STORE_DIR)))
        self.served = Served(_ReleaseBeingWritten(Path(release_path), version), store,
                             {"base_iri": settings.base_iri, "version": version})
        self.app.extensions["newsfacts.releases"] = _OneRelease(self.served)

    def render(self, stem: str) -> list[tuple[str, str, str, bytes]]:
        """(suffix, language, etag, body) of each document of the thing at ``stem``; none when it names nothing."""
        config = self.settings
        iri = paths.iri_of(stem, config.base_iri)
        rows = []
        with self._request(stem, "ttl", ""):  # describing and the RDF formats read nothing of the request
            try:
                found = views.describe_thing(self.served, config, iri, 1)
            except ApiError:
                return []
            for suffix, lang in VARIANTS:
                if lang:
                    continue
                rows.append(self._render(stem, iri, suffix, lang, found))
        for suffix, lang in VARIANTS:
            if lang:  # a page: in the context of its own request (path, language)
                with self._request(stem, suffix, lang):
                    rows.append(self._render(stem, iri, suffix, lang, found))
        return rows if all(rows) else []

    def _render(self, stem: str, iri: str, suffix: str, lang: str, found) -> tuple[str, str, str, bytes] | None:
        config = self.settings
        response = views.render_document(self.served, config, stem, iri, paths.BY_SUFFIX[suffix], 1, lang, {}, found)
        if response.status_code != 200:
            return None
        etag = views.document_etag(self.version, stem, suffix, lang, 1, config.public_base)
        return suffix, lang, etag, response.get_data()

    def _request(self, stem: str, suffix: str, lang: str):
        """The context of a request for the document (its path, its language), on the public base."""
        return self.app.test_request_context(f"/{quote(stem)}.{suffix}", base_url=self.settings.public_base,
                                             headers={"Accept-Language": lang} if lang else {})
