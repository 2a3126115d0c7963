"""Every setting of newsfacts, in one place.

A setting is read, lowest priority first, from its default here, then from the
environment variable ``NEWSFACTS_<NAME>``, then from what the caller passes
(command-line options, ``create_app(config)`` in tests). ``docs/configuration.md``
documents each one; a test fails when a setting is missing there.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

#: The folder holding ontology/, shapes/, mappings/ and facts/.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _setting(default, doc: str):
    return field(default=default, metadata={"doc": doc})


def _default_sources_dir() -> str:
    candidate = PROJECT_ROOT.parent / "shared" / "sources"
    return str(candidate) if candidate.is_dir() else ""


@dataclass(frozen=True)
class Settings:
    base_iri: str = _setting(
        "https://newsfacts.example/",
        "Canonical base IRI of every minted entity, event, claim and article. Ends with '/'.",
    )
    facts_dir: str = _setting(str(PROJECT_ROOT / "facts"), "Folder of facts files (*.yaml), one per article.")
    sources_dir: str = field(
        default_factory=_default_sources_dir,
        metadata={
            "doc": "Folder of article source texts used to check evidence offsets; "
            "'../shared/sources' beside the project when it exists, else empty (checks skipped and recorded)."
        },
    )
    releases_dir: str = _setting("releases", "Folder where releases are written; 'current' in it points at the one served.")
    ontology_dir: str = _setting(str(PROJECT_ROOT / "ontology"), "Folder of the ontology and concept schemes (Turtle).")
    shapes_dir: str = _setting(str(PROJECT_ROOT / "shapes"), "Folder of the SHACL shapes (Turtle).")
    mappings_dir: str = _setting(str(PROJECT_ROOT / "mappings"), "Folder of the JSON-LD context, rules and SSSOM links.")
    license: str = _setting(
        "https://creativecommons.org/licenses/by/4.0/", "License IRI of the published data, stated in the VoID description."
    )
    keep_releases: int = _setting(
        5, "Releases kept in releases_dir after each successful build (and by 'newsfacts prune'); older ones are "
        "removed, never 'current' nor the release before it. 0 keeps every release.")
    max_facts_file_bytes: int = _setting(
        8 * 1024 * 1024, "Largest facts file the build reads, in bytes; a larger one is a problem (exit 1).")
    max_string_chars: int = _setting(
        20000, "Longest text (label, quote, description, any string) a facts file may hold, in characters.")
    max_input_file_bytes: int = _setting(
        32 * 1024 * 1024, "Largest ontology, shapes or mappings file (Turtle, JSON-LD, SSSOM, SPARQL rules) the build "
        "reads, in bytes.")
    store: str = _setting(
        "embedded",
        "Where releases are stored and queried: 'embedded' (an on-disk store in each release) or the URL of a "
        "SPARQL 1.1 query endpoint of a remote store.",
    )
    store_update_url: str = _setting(
        "", "SPARQL Update endpoint of the remote store, for publishing; defaults to the query URL's sibling "
        "(/query -> /update for Oxigraph, /sparql -> /update for Fuseki, /sparql -> /sparql-auth for Virtuoso).")
    store_user: str = _setting(
        "", "User name for the remote store's update endpoint, sent with HTTP digest authentication when the store "
        "asks for it (Virtuoso's /sparql-auth; its default account is dba).")
    store_password: str = _setting("", "Password of store_user (set it in the environment, NEWSFACTS_STORE_PASSWORD).")
    shacl_engine: str = _setting(
        "turbo", "SHACL engine of the build: 'turbo' (pyshacl-turbo, a Rust engine) or 'pyshacl' (the reference). Both "
        "give the same results on the shapes, their examples and the data (tests/test_shacl_engines.py); turbo is "
        "several times faster.")
    store_documents: str = _setting(
        "yes", "Whether a build renders every entity, event, claim and article document into the release "
        "(documents/), so that they are served as stored bytes: 'yes' or 'no' (they are then rendered on request, "
        "and builds are faster).")
    max_source_text_bytes: int = _setting(
        10_000_000, "Largest source text read, in bytes; a larger one is a problem of the facts file naming it.")
    host: str = _setting("127.0.0.1", "Address the server listens on.")
    port: int = _setting(8080, "Port the server listens on.")
    workers: int = _setting(
        2, "Web worker processes of `newsfacts serve` (granian); each has its own pool of query workers. "
        "Ignored with --dev (Werkzeug, one process).")
    query_timeout_s: float = _setting(10.0, "SPARQL queries running longer than this many seconds are stopped.")
    max_rows: int = _setting(10000, "Most result rows (or triples) a SPARQL query returns; more are cut and flagged.")
    max_query_depth: int = _setting(64, "Deepest nesting of brackets a SPARQL query may have before it is refused.")
    max_query_operators: int = _setting(
        256, "Most operators (logical, comparison, arithmetic and property path operators, UNION, OPTIONAL, MINUS and "
        "BIND) a SPARQL query may have before it is refused (400): the parser takes quadratic time over long chains of them.")
    max_query_triple_patterns: int = _setting(
        64, "Most triple patterns a SPARQL query may have before it is refused (400): the query planner's time grows "
        "steeply with many patterns sharing a variable.")
    max_query_variables: int = _setting(
        256, "Most distinct variables a SPARQL query may have before it is refused (400).")
    max_query_bytes: int = _setting(65536, "Largest SPARQL query text accepted, in bytes (413/414 beyond).")
    query_workers: int = _setting(
        1, "SPARQL queries evaluated at once by one web process, each in its own worker process (plus the spare below); "
        "more wait briefly, then get 503. Each worker holds its own copy of the store's caches (about 70 MB at 1M "
        "triples): BENCHMARKS.md, \"Memory of the server's process tree\".")
    lookups_in_web: str = _setting(
        "yes", "Whether a SPARQL query that reads one resource's statements and nothing else (SELECT of one triple "
        "pattern with an IRI subject, or DESCRIBE of one IRI) is answered by the web process from the store it has "
        "open, as a document is, instead of by a query worker: 'yes' or 'no'. Its cost is bounded by that resource's "
        "statements and the row cap; every other query runs in a worker (docs/sparql.md, \"Lookups in the web process\").")
    query_spare_timeout_s: float = _setting(
        1.0, "When all query workers are busy, one more query at a time runs on a spare worker for at most this many "
        "seconds, so cheap queries are still answered during long ones; 0 turns the spare off (such queries get 503).")
    query_memory_mb: int = _setting(
        1024, "Memory one SPARQL query may use, in MB (the data of its worker process, beyond its stack); a query "
        "needing more is stopped with 503.")
    page_size: int = _setting(100, "Claims of an article or of a report shown per page of its description.")
    links_page_size: int = _setting(
        20, "Incoming links shown per page of a resource description (besides the claims listed on it).")
    preview_size: int = _setting(
        10, "Claims shown on a thing's first page in each list that is not paged (claims that mention it, that it "
        "makes, that assert it): all are counted, and the page links to the whole list. Keeps the first page of "
        "the most linked things about the size of any other (BENCHMARKS.md, \"First pages of the most linked "
        "things\").")
    publisher_name: str = _setting(
        "newsfacts", "Who publishes the dataset: dcterms:publisher (a foaf:Agent) and the contact point's name in the "
        "dataset description.")
    contact_email: str = _setting(
        "", "E-mail address of the dataset's contact point (dcat:contactPoint, vcard:hasEmail); empty: none.")
    contact_url: str = _setting(
        "", "Web page of the dataset's contact point (vcard:hasURL); empty: the landing page when no e-mail is set.")
    public_url: str = _setting(
        "", "Public base URL of this server, used for every absolute URL in a response (documents naming "
        "themselves, the JSON-LD context, dump links, the service description); never taken from request headers. "
        "Empty: http://<host>:<port>/ (127.0.0.1 when listening on every address). Ends with '/'.")
    document_cache_mb: int = _setting(
        64, "Memory for rendered documents in each web process, in MB (keys and bodies counted; at most 10,000 "
        "documents); 0 turns the cache off, so every document is rendered afresh.")
    trusted_hosts: str = _setting(
        "", "Comma-separated host[:port] names requests may be addressed to (the Host header); other hosts get 400. "
        "Empty: any Host is answered (absolute URLs still come from public_url, never from Host).")
    proxy_count: int = _setting(
        0, "How many reverse proxies stand in front of the server; >0 trusts that many hops of X-Forwarded-For, "
        "-Proto, -Host and -Prefix (Werkzeug's ProxyFix). 0: those headers are ignored.")
    history_page_size: int = _setting(
        500, "Member versions per page of the change stream (/ldes); a release with more changed resources has "
        "several pages.")
    open_releases: int = _setting(
        4, "Past releases whose stores one web process keeps open for their versioned documents "
        "(/release/<version>/…), least recently used closed first.")

    #: Settings naming folders: made absolute (against the working directory) once, when settings are loaded.
    FOLDERS = ("facts_dir", "sources_dir", "releases_dir", "ontology_dir", "shapes_dir", "mappings_dir")

    @classmethod
    def load(cls, overrides: dict | None = None, environ: dict | None = None) -> Settings:
        """Defaults, then NEWSFACTS_* environment variables, then ``overrides`` (None values ignored)."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(f"NEWSFACTS_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _coerce(f, raw)
        for key, value in (overrides or {}).items():
            if value is None:
                continue
            if key not in {f.name for f in dataclasses.fields(cls)}:
                raise ValueError(f"unknown setting {key!r}")
            values[key] = value
        settings = cls(**values)
        folders = {name: str(Path(getattr(settings, name)).expanduser().resolve())
                   for name in cls.FOLDERS if getattr(settings, name)}
        settings = dataclasses.replace(settings, **folders)
        if not settings.base_iri.endswith(("/", "#")):
            raise ValueError(f"base_iri must end with '/' or '#': {settings.base_iri!r}")
        if settings.workers < 1:
            raise ValueError(f"workers must be at least 1: {settings.workers!r}")
        if settings.public_url and not settings.public_url.endswith("/"):
            raise ValueError(f"public_url must end with '/': {settings.public_url!r}")
        if settings.document_cache_mb < 0:
            raise ValueError(f"document_cache_mb must be 0 or more: {settings.document_cache_mb!r}")
        for name in ("history_page_size", "open_releases", "page_size", "links_page_size", "preview_size"):
            if getattr(settings, name) < 1:
                raise ValueError(f"{name} must be 1 or more: {getattr(settings, name)!r}")
        for name in ("store_documents", "lookups_in_web"):
            if getattr(settings, name) not in ("yes", "no"):
                raise ValueError(f"{name} must be 'yes' or 'no': {getattr(settings, name)!r}")
        if settings.shacl_engine not in ("pyshacl", "turbo"):
            raise ValueError(f"shacl_engine must be 'pyshacl' or 'turbo': {settings.shacl_engine!r}")
        if settings.proxy_count < 0:
            raise ValueError(f"proxy_count must be 0 or more: {settings.proxy_count!r}")
        return settings

    @property
    def trusted_host_names(self) -> list[str]:
        """``trusted_hosts`` as a list (empty: any host)."""
        return [name.strip() for name in self.trusted_hosts.split(",") if name.strip()]

    @property
    def public_base(self) -> str:
        """The base of every absolute URL this server writes: ``public_url``, or the listening address."""
        if self.public_url:
            return self.public_url
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else "[::1]" if self.host == "::" else self.host
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return f"http://{host}:{self.port}/"

    def environment(self) -> dict[str, str]:
        """These settings as NEWSFACTS_* variables, so that another process (a web worker) loads the same ones."""
        return {f"NEWSFACTS_{f.name.upper()}": str(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def documented(self) -> dict[str, str]:
        return {f.name: f.metadata["doc"] for f in dataclasses.fields(self)}


def settings_table() -> str:
    """The Markdown table of every setting, as docs/configuration.md holds it (`python -m newsfacts.config`)."""
    defaults = Settings.load(environ={})
    paths = {"facts_dir": "facts/ in the project", "ontology_dir": "ontology/ in the project",
             "shapes_dir": "shapes/ in the project", "mappings_dir": "mappings/ in the project",
             "sources_dir": "../shared/sources if present", "releases_dir": "releases/ in the working directory"}
    rows = ["| setting | environment variable | default | what it does |", "| --- | --- | --- | --- |"]
    for f in dataclasses.fields(Settings):
        default = paths.get(f.name, getattr(defaults, f.name))
        rows.append(f"| `{f.name}` | `NEWSFACTS_{f.name.upper()}` | `{default}` | {f.metadata['doc']} |")
    return "\n".join(rows) + "\n"


def _coerce(f: dataclasses.Field, raw: str):
    kind = f.type if isinstance(f.type, type) else {"int": int, "float": float, "str": str}.get(str(f.type), str)
    try:
        return kind(raw)
    except ValueError as exc:
        raise ValueError(f"NEWSFACTS_{f.name.upper()}={raw!r} is not a valid {kind.__name__}") from exc


if __name__ == "__main__":
    print(settings_table(), end="")
