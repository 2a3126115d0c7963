"""Content negotiation is a pure function, tested with a table of Accept headers."""

import pytest

from newsfacts.web.negotiation import negotiate

RDF = ["text/turtle", "text/html", "application/ld+json", "application/n-triples", "application/rdf+xml"]


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "text/turtle"),
    ("", "text/turtle"),
    ("*/*", "text/turtle"),
    ("text/html", "text/html"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml;q=0.5, text/turtle;q=0.9", "text/turtle"),
    ("text/turtle;q=0.2, application/ld+json", "application/ld+json"),
    ("text/*", "text/turtle"),
    ("text/*;q=0.5, text/html", "text/html"),
    ("*/*;q=0.1, application/n-triples;q=0.5", "application/n-triples"),
    ("text/turtle;q=0, */*", "text/html"),
    ("image/png", None),
    ("text/turtle;q=0", None),
    ("application/json", None),
    ("TEXT/TURTLE", "text/turtle"),
    ("text/turtle;q=abc, text/html", "text/html"),
    ("*", "text/turtle"),
    (",,, ;q=1", None),
])
def test_accept_header_table(accept, expected):
    assert negotiate(accept, RDF) == expected


def test_ties_go_to_the_order_of_the_available_types():
    assert negotiate("text/html, text/turtle", RDF) == "text/turtle"
    assert negotiate("text/html, text/turtle", ["text/html", "text/turtle"]) == "text/html"
