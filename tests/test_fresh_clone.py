"""What a newcomer does, as the README says it: clone the repository, run the README's serve command as written (only
the port changed) in the clone, and follow every link from the landing page.

Fails on any 5xx, any 404 from an internal link, any example query that does not answer, a validation report that
cannot be reached, and any dump `/dataset` advertises whose bytes do not match its size and SHA-256. The command is
read from README.md (its first `sh` block after "Build the shipped facts and serve them"), so a README change that
breaks the command breaks this test. The clone is of the committed HEAD; pip reuses its cache.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from rdflib import Graph

from conftest import free_port
from crawl import crawl, dataset_dumps
from newsfacts.config import PROJECT_ROOT

SERVE_SECTION = "Build the shipped facts and serve them"
STARTUP_S = 400  # a venv, pip install (from the cache) and the first build, on a busy machine


def readme_serve_command(readme: str) -> str:
    """The first `sh` block after the serve sentence, its lines joined (continuations included)."""
    after = readme[readme.index(SERVE_SECTION):]
    block = re.search(r"```sh\n(.*?)```", after, re.S)
    assert block, f"README.md has no ```sh block after {SERVE_SECTION!r}"
    return block.group(1).replace("\\\n", " ").strip()


def test_the_readme_command_is_one_serve_command():
    command = readme_serve_command((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"))
    assert "\n" not in command and command.rstrip().split()[-2:] == [".venv/bin/newsfacts", "serve"], command


def _query_text(url: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get("query")
    return values[0] if values and urlsplit(url).path.rstrip("/") == "/sparql" else None


def _without_comments(query: str) -> str:
    """A query's text without its comment lines, whitespace normalised (the query page links both forms)."""
    return " ".join(" ".join(line for line in query.splitlines() if not line.lstrip().startswith("#")).split())


class Clone:
    def __init__(self, folder: Path, port: int):
        self.folder = folder
        self.url = f"http://127.0.0.1:{port}"
        self.log = folder.parent / "serve.log"
        command = readme_serve_command((folder / "README.md").read_text(encoding="utf-8")) + f" --port {port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSFACTS_", "VIRTUAL_ENV", "PYTHON"))}
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"  # one network round trip less; the command itself is unchanged
        with self.log.open("w") as log:
            self.process = subprocess.Popen(["sh", "-c", command], cwd=folder, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait(self) -> None:
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the README's command ended with {self.process.returncode}:\n{self.output()[-4000:]}")
            try:
                requests.get(self.url + "/", timeout=5)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.5)
        raise AssertionError(f"nothing answered on {self.url} within {STARTUP_S} s:\n{self.output()[-4000:]}")

    def stop(self) -> None:
        """SIGTERM to the whole process group (the shell, granian and its workers)."""
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fresh") / "newsfacts"
    subprocess.run(["git", "clone", "--quiet", str(PROJECT_ROOT), str(folder)], check=True, timeout=120)
    running = Clone(folder, free_port())
    try:
        running.wait()
        yield running
    finally:
        running.stop()


def test_every_link_dump_and_example_query_of_a_fresh_clone_works(clone):
    problems: list[str] = []
    found = crawl(clone.url + "/")
    problems += found.problems()

    queries = sorted((clone.folder / "server" / "newsfacts" / "queries").glob("*.rq"))
    assert queries
    answered = {_without_comments(text) for url, status in found.seen.items()
                if status == 200 and (text := _query_text(url)) is not None}
    problems += [f"example query {q.name}: no link to it answered 200" for q in queries
                 if _without_comments(q.read_text(encoding="utf-8")) not in answered]

    description = requests.get(clone.url + "/dataset", headers={"Accept": "text/turtle"}, timeout=30)
    assert description.status_code == 200, description.text[:500]
    dataset = Graph().parse(data=description.text, format="turtle", publicID=description.url)
    reachable = set(found.seen) | {str(o) for o in dataset.objects()}
    reports = [url for url in reachable if urlsplit(url).path.startswith("/validation-report")
               and urlsplit(url).netloc == urlsplit(clone.url).netloc]
    if not reports:
        problems.append("no link to the validation report (/validation-report) from the pages or /dataset")
    for url in reports:
        status = found.seen.get(url) or requests.get(url, timeout=30).status_code
        if status != 200:
            problems.append(f"{status} {url} (the validation report)")

    dumps = dataset_dumps(dataset)
    if not dumps:
        problems.append("/dataset names no dump (void:dataDump, dcat:downloadURL)")
    for dump in dumps:
        url = urljoin(clone.url + "/", dump.url)
        if urlsplit(url).netloc != urlsplit(clone.url).netloc:
            problems.append(f"dump {dump.url}: not on this server ({clone.url}), cannot be downloaded from /dataset alone")
            continue
        if dump.size is None or dump.sha256 is None:
            problems.append(f"dump {dump.url}: /dataset gives no dcat:byteSize and spdx:checksum (SHA-256) for it")
        response = requests.get(url, timeout=60)
        if response.status_code != 200:
            problems.append(f"{response.status_code} {url} (dump)")
            continue
        if dump.size is not None and len(response.content) != dump.size:
            problems.append(f"dump {url}: {len(response.content)} bytes, advertised {dump.size}")
        if dump.sha256 is not None and hashlib.sha256(response.content).hexdigest() != dump.sha256.lower():
            problems.append(f"dump {url}: SHA-256 differs from the advertised {dump.sha256}")

    assert not problems, f"{len(problems)} problem(s) after crawling {len(found.seen)} URLs:\n" + "\n".join(problems)
    assert "Traceback" not in clone.output(), clone.output()[-4000:]
