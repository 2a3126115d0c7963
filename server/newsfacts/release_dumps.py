"""A release's dumps: the members of the articles' graphs made for the articles mapped by this build, and for the
articles reused, taken from their parts, or copied from the previous release's dumps where they follow one
another there (dumps.PreviousDump)."""

from __future__ import annotations

from pathlib import Path

from .article_cache import MemberFiles
from .build_check import Checked
from .config import Settings
from .dumps import DUMP_FORMATS, DumpWriter, PreviousDump, previous_dump
from .part_quads import GraphQuads
from .release import DUMPS_DIR


def write_dumps(settings: Settings, checked: Checked, folder: Path, version: str):
    """The dumps, with the members of reused articles' graphs taken from the previous dumps or their parts; and
    the members made for the others, by article id (kept with their parts); and the N-Quads members made, with
    their graphs' sizes."""
    graph = f"{settings.base_iri}graph/article/"
    known, others = {}, {}
    for part in checked.parts:  # each article's graph read from its part when its members are made
        others[graph + part.article] = GraphQuads(part.quads, graph + part.article)
        if not part.mapped:
            found = checked.previous.dump_members(part.key) if checked.previous else None
            if found is not None:
                known[graph + part.article] = found
    vocabulary = [q.triple for q in checked.quads.in_graph(f"{settings.base_iri}graph/vocabulary")]
    writer = DumpWriter(settings.base_iri, vocabulary)
    dumps, made, nquads = writer.write(checked.quads.shared, folder, f"newsfacts-{version}", known,
                                       others, _previous_dumps(checked, writer, graph) if known else None)
    return dumps, {name.removeprefix(graph): members for name, members in made.items() if name.startswith(graph)}, nquads


def _previous_dumps(checked: Checked, writer: DumpWriter, graph: str) -> dict[str, PreviousDump]:
    """The previous release's dumps, by format key, with where the member of each article's graph is in them
    (those whose members were not all kept with their parts, or that are not there, left out)."""
    previous = checked.previous
    folder = previous.release.path / DUMPS_DIR
    found = {}
    keys = {article: entry["key"] for article, entry in previous.index.items()}
    if not all(previous.has_members(key) for key in keys.values()):
        return found
    files = {graph + article: MemberFiles(previous.parts_folder, key) for article, key in keys.items()}
    for fmt in DUMP_FORMATS:
        dump = sorted(folder.glob(f"*.{fmt.suffix}"))
        if len(dump) == 1:
            spans = previous_dump(dump[0], fmt, writer.heads[fmt.key],
                                  {name: members.path(fmt.key) for name, members in files.items()})
            if spans is not None:
                found[fmt.key] = spans
    return found
