"""docs/example-queries.md is generated from the .rq files (python -m newsfacts.queries_doc --write) and matches them;
the README describes the query it runs by that query's own title."""

import re

from newsfacts.config import PROJECT_ROOT
from newsfacts.queries_doc import DOC, example_queries_md
from newsfacts.web.sparql.page import QUERIES_DIR, examples


def test_the_committed_list_of_example_queries_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == example_queries_md(), "run: python -m newsfacts.queries_doc --write"
    listed = re.findall(r"^\| `([\w-]+\.rq)` \|", DOC.read_text(encoding="utf-8"), re.M)
    assert listed == sorted(p.name for p in QUERIES_DIR.glob("*.rq"))


def test_the_readme_describes_its_example_query_by_its_title():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    runs = re.findall(r"^# (.*)\n.*query@server/newsfacts/queries/([\w-]+)\.rq", readme, re.M)
    assert runs
    titles = {e.name: e.title for e in examples(QUERIES_DIR)}
    for comment, name in runs:
        assert titles[name].lower() in comment.lower(), (name, comment)
