"""A headless Chromium crawls the site from the landing page: every page renders without a console error and
every internal link resolves. (Debian's chromium and chromium-driver; .ci/run installs them.)"""

from __future__ import annotations

import shutil
import tempfile
from collections import deque
from urllib.parse import urldefrag, urlparse

import pytest
import requests

MAX_PAGES = 120


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.skip("Debian's chromium and chromium-driver are not installed; .ci/run installs them")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="newsfacts-chromium-")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def crawlable(url: str, origin: str) -> bool:
    parsed = urlparse(url)
    if f"{parsed.scheme}://{parsed.netloc}" != origin:
        return False
    # downloads are checked, not rendered; query links run real queries, a few are enough
    return not parsed.path.startswith("/dumps/") and not (parsed.path.startswith("/sparql") and parsed.query)


def test_crawl_from_the_landing_page(server, browser):
    origin = server.url
    queue, seen, rendered = deque([origin + "/"]), {origin + "/"}, 0
    links: set[str] = set()
    titles: set[str] = set()
    problems = []
    queries_rendered = 0
    while queue and rendered < MAX_PAGES:
        url = queue.popleft()
        browser.get(url)
        rendered += 1
        errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        if errors:
            problems.append((url, [e["message"] for e in errors]))
        if browser.execute_script("return document.contentType") != "text/html":
            continue  # a data document (Turtle, JSON-LD…) linked from a page: rendered as text, no links
        headings = browser.execute_script("return Array.from(document.querySelectorAll('h1')).map(h => h.textContent)")
        if not any(h.strip() for h in headings):
            problems.append((url, ["no heading"]))
        titles.update(h.strip() for h in headings)
        for href in browser.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"):
            href = urldefrag(href)[0]
            if not href.startswith(origin):
                continue
            links.add(href)
            is_query = urlparse(href).path.startswith("/sparql") and urlparse(href).query
            if href not in seen and (crawlable(href, origin) or (is_query and queries_rendered < 3)):
                seen.add(href)
                queries_rendered += bool(is_query)
                queue.append(href)
    assert rendered >= 40, f"only {rendered} pages were reachable"
    assert problems == []
    # both relayed reports are reachable by following links (the second one used to be reachable by SPARQL only)
    assert {origin + "/report/infobae-drone-report.html", origin + "/report/infobae-oil-spill-report.html"} <= links
    assert not [title for title in titles if title.startswith(("http://", "https://"))]  # human titles, not IRIs
    session = requests.Session()
    broken = []
    for link in sorted(links):
        response = session.get(link, timeout=60, stream=True)
        if response.status_code >= 400:
            broken.append((link, response.status_code))
        response.close()
    assert len(links) >= 100
    assert broken == []
