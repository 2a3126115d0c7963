"""The list of example queries in docs/example-queries.md, made from the .rq files so that it cannot drift.

``python -m newsfacts.queries_doc`` prints it (``--write`` replaces the file); a test checks the committed file.
Each query's title and description are its ``# title:`` / ``# description:`` lines (as on the query page); its
columns are the variables it selects, read by parsing the query.
"""

from __future__ import annotations

import sys

from rdflib.plugins.sparql import prepareQuery

from .config import PROJECT_ROOT
from .web.sparql.page import QUERIES_DIR, Example, examples

DOC = PROJECT_ROOT / "docs" / "example-queries.md"

HEADER = """# Example queries

The example queries of the query page (`/sparql`), one `.rq` file each in `server/newsfacts/queries/`. This page is
made from those files by `python -m newsfacts.queries_doc --write`; a test checks that it matches them. Run one:

```sh
curl -H 'Accept: text/csv' http://127.0.0.1:8080/sparql --data-urlencode query@server/newsfacts/queries/08-hedged-claims.rq
```

| file | title | what it returns | columns |
| --- | --- | --- | --- |
"""


def columns(example: Example) -> str:
    algebra = prepareQuery(example.query).algebra
    if algebra.name == "SelectQuery":
        return " ".join(f"`?{variable}`" for variable in algebra["PV"])
    return {"ConstructQuery": "a graph (CONSTRUCT)", "DescribeQuery": "a graph (DESCRIBE)"}.get(algebra.name, "true or false")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def example_queries_md() -> str:
    rows = [f"| `{e.name}.rq` | {_cell(e.title)} | {_cell(e.description)} | {columns(e)} |" for e in examples(QUERIES_DIR)]
    return HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        DOC.write_text(example_queries_md(), encoding="utf-8")
    else:
        print(example_queries_md(), end="")
