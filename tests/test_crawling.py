"""What crawlers find: robots.txt, the sitemap of the HTML pages (paged past 50,000 URLs), and the landing
page's link to the dataset description."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import requests

from newsfacts.web.app import create_app
from newsfacts.web.linked_data import crawling

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_robots_txt_allows_crawling_and_names_the_sitemap(server):
    response = requests.get(server.url + "/robots.txt", timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "User-agent: *" in lines and "Allow: /" in lines and not any(line.startswith("Disallow: /") for line in lines)
    assert f"Sitemap: {server.url}/sitemap.xml" in lines


def test_the_sitemap_lists_html_pages_that_answer(server, release):
    response = requests.get(server.url + "/sitemap.xml", timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == SITEMAP + "urlset"
    urls = [u.findtext(SITEMAP + "loc") for u in root.iter(SITEMAP + "url")]
    assert len(urls) == len(set(urls)) > 100
    assert all(u.startswith(server.url + "/") for u in urls)
    for path in ("/", "/dataset.html", "/entity/nicolas-maduro.html", "/article/iran-venezuela-drone-facility.html",
                 "/ontology/Claim.html", "/graph/links.html"):
        assert server.url + path in urls, path
    assert not [u for u in urls if "#" in u or u.endswith((".ttl", ".nt"))]
    for url in urls[:8] + urls[-8:]:
        page = requests.get(url, headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html"), url


def test_a_large_sitemap_becomes_an_index_of_parts(releases_dir, monkeypatch):
    monkeypatch.setattr(crawling, "SITEMAP_LIMIT", 100)
    client = create_app({"releases_dir": str(releases_dir), "public_url": "https://data.example.org/"}).test_client()
    index = ET.fromstring(client.get("/sitemap.xml").data)
    assert index.tag == SITEMAP + "sitemapindex"
    parts = [s.findtext(SITEMAP + "loc") for s in index.iter(SITEMAP + "sitemap")]
    assert parts[0] == "https://data.example.org/sitemap-1.xml" and len(parts) > 1
    seen = []
    for n in range(1, len(parts) + 1):
        part = ET.fromstring(client.get(f"/sitemap-{n}.xml").data)
        urls = [u.findtext(SITEMAP + "loc") for u in part.iter(SITEMAP + "url")]
        assert 0 < len(urls) <= 100
        seen += urls
    assert len(seen) == len(set(seen)) and "https://data.example.org/dataset.html" in seen
    assert client.get(f"/sitemap-{len(parts) + 1}.xml").status_code == 404


def test_the_landing_page_links_to_the_dataset_description(server):
    response = requests.get(server.url + "/", headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    assert response.links["describedby"]["url"] == server.url + "/dataset"
    assert 'href="/validation-report.html"' in response.text and "0 violations" in response.text
    described = requests.get(response.links["describedby"]["url"], headers={"Accept": "text/turtle"}, timeout=30)
    assert described.status_code == 200 and described.headers["Content-Type"].startswith("text/turtle")
