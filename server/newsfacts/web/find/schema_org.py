"""schema.org JSON-LD in every HTML page: ``<script type="application/ld+json">`` in the base layout's head.

The thing a page shows, from the release's search index: articles as ``NewsArticle``, people, organisations
and places with their schema.org types and ``sameAs`` their verified Wikidata entities, events as ``Event``
(a start date only when the text gives a year), claims as ``Claim`` (a pending schema.org term) whose
``appearance`` is the article and the quoted words; the landing page as a ``Dataset`` with its dumps; other
pages as ``WebPage`` (``CollectionPage``, ``SearchResultsPage``). No ``ClaimReview``: claims are recorded, not
rated.
"""

from __future__ import annotations

import json

from flask import Flask, request
from jinja2 import pass_context
from markupsafe import Markup

from ..errors import ApiError
from .access import search_index, settings

CONTEXT = {"@vocab": "https://schema.org/", "sameAs": {"@type": "@id"}, "url": {"@type": "@id"},
           "license": {"@type": "@id"}, "contentUrl": {"@type": "@id"}}
#: The ontology's classes as schema.org types (a class not here is a schema:Thing).
TYPES = {"Person": "Person", "Country": "Country", "City": "City", "Region": "Place", "Place": "Place",
         "Facility": "Place", "MilitaryBase": "Place", "NewsOutlet": "NewsMediaOrganization", "Airline": "Airline",
         "Company": "Corporation", "Government": "GovernmentOrganization", "GovernmentAgency": "GovernmentOrganization",
         "Organization": "Organization", "Group": "Organization", "MilitaryOrganization": "Organization",
         "ArmedGroup": "Organization", "Product": "Product", "DroneModel": "Product", "Aircraft": "Product",
         "Agreement": "CreativeWork", "Project": "Project", "Article": "NewsArticle", "Report": "Report",
         "Event": "Event", "Claim": "Claim"}
PAGE_TYPES = {"find_collections": "CollectionPage", "find_search": "SearchResultsPage"}
WIKIDATA = "http://www.wikidata.org/entity/"


def script(data: dict) -> Markup:
    """The script element; ``<``, ``>`` and ``&`` escaped so no text can close it or open a comment."""
    text = json.dumps({"@context": CONTEXT, **data}, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/ld+json">{text}</script>')


def schema_type(types: list[str], kind: str) -> str:
    for t in types:
        if t in TYPES:
            return TYPES[t]
    return {"article": "NewsArticle", "event": "Event", "claim": "Claim", "report": "Report"}.get(kind, "Thing")


def _ref(index, iri: str, names: dict[str, str]) -> dict:
    row = index.thing(iri)
    kind_type = schema_type(json.loads(row["types"]), row["kind"]) if row is not None else "Thing"
    return {"@type": kind_type, "@id": iri, "name": names.get(iri) or (row["name"] if row is not None else iri)}


def thing_data(iri: str) -> dict | None:
    """The schema.org description of one thing of the release, or None when the index does not know it."""
    try:
        index = search_index()
    except ApiError:
        return None
    row = index.thing(iri)
    if row is None:
        return None
    types, links, claim, time = (json.loads(row[k]) for k in ("types", "links", "claim", "time"))
    data = {"@type": schema_type(types, row["kind"]), "@id": iri, "name": row["name"],
            "url": settings().public_base + iri[len(settings().base_iri):] + ".html"}
    if row["description"]:
        data["description"] = row["description"]
    if row["name_es"]:
        data["alternateName"] = row["name_es"]
    wikidata = json.loads(row["wikidata"])
    if wikidata:
        data["sameAs"] = [WIKIDATA + q for q in wikidata]
    names = index.names_of(sorted({i for values in links.values() for i in values}))
    if row["kind"] == "article":
        data["headline"] = row["name"]
        data.update({"author": [_ref(index, a, names) for a in links.get("author", [])]} if links.get("author") else {})
    elif row["kind"] == "claim":
        data["text"] = claim.get("text", row["name"])
        if claim.get("who"):
            data["author"] = _ref(index, claim["who"], names)
        articles = [{"@type": "NewsArticle", "@id": a, "name": names.get(a, a)} for a in links.get("statedIn", [])]
        if articles:
            data["firstAppearance"] = articles[0]
            quotes = [{"@type": "Quotation", "text": claim["quote"], "isPartOf": {"@id": articles[0]["@id"]}}] \
                if claim.get("quote") else []
            data["appearance"] = articles + quotes
        data["about"] = [_ref(index, m, names) for m in links.get("mentions", [])]
    elif row["kind"] == "event":
        if time.get("date") and not time["date"].startswith("--"):
            data["startDate"] = time["date"]
        places = links.get("place", [])
        if places:
            data["location"] = _ref(index, places[0], names)
        if links.get("hasParticipant"):
            data["actor"] = [_ref(index, p, names) for p in links["hasParticipant"]]
    else:
        for relation, key in (("locatedIn", "containedInPlace"), ("partOf", "parentOrganization")):
            if links.get(relation):
                data[key] = _ref(index, links[relation][0], names)
    return data


def dataset_data(context: dict) -> dict:
    public = settings().public_base
    manifest = context.get("manifest") or {}
    return {"@type": "Dataset", "@id": settings().base_iri + "dataset", "url": public,
            "name": "newsfacts: facts reported in news articles",
            "description": "Facts reported in news articles as linked data: every claim with who says it, how it is "
                           "hedged, when, and the quoted words of the article that support it.",
            "license": context.get("license") or settings().license, "version": manifest.get("version", ""),
            "dateModified": manifest.get("built_at", ""),
            "distribution": [{"@type": "DataDownload", "name": d.get("label", d["name"]),
                              "contentUrl": public + d["url"].lstrip("/"), "encodingFormat": d.get("media_type", ""),
                              "contentSize": f"{d.get('byte_size', 0)} B"} for d in context.get("dumps", [])],
            "potentialAction": {"@type": "SearchAction", "target": public + "search?q={query}",
                                "query-input": "required name=query"}}


@pass_context
def schema_org_script(context) -> Markup:
    """For the base layout: the JSON-LD of the page being rendered."""
    model = context.get("m")  # a resource page's model (a dict today; an object with .iri would do as well)
    iri = model.get("iri") if isinstance(model, dict) else getattr(model, "iri", None)
    data = None
    if isinstance(iri, str):
        data = thing_data(iri)
    elif request and request.path == "/" and context.get("manifest") is not None:
        data = dataset_data(context)
    if data is None:
        blueprint = request.blueprint if request else None
        title = context.get("q") or request.path if request else ""
        data = {"@type": PAGE_TYPES.get(blueprint or "", "WebPage"), "name": f"newsfacts {title}".strip(),
                "url": settings().public_base + (request.path.lstrip("/") if request else ""),
                "isPartOf": {"@type": "Dataset", "@id": settings().base_iri + "dataset"}}
    return script(data)


def init_app(app: Flask) -> None:
    app.add_template_global(schema_org_script, "schema_org_script")
