"""An incremental build copies the runs of reused articles' dump members from the previous release's dumps, and
gives the dumps a full build gives; where the previous dump does not hold a run where its spans say, the run is
written member by member from the parts instead, with the same result."""

from __future__ import annotations

import pytest

from newsfacts import dumps
from newsfacts.build import build
from test_incremental_build import T0, T1, change_inputs, inputs, settings_for  # noqa: F401 (a fixture)


@pytest.fixture()
def copies(monkeypatch) -> list[tuple[str, int, bool]]:
    """Each run copied, or not: the previous dump's name, the number of members, and whether it was copied."""
    made = []
    copy_run = dumps._copy_run

    def recorded(out, previous, graphs):
        copied = copy_run(out, previous, graphs)
        made.append((previous.path.name, len(graphs), copied))
        return copied

    monkeypatch.setattr(dumps, "_copy_run", recorded)
    return made


def dump_bytes(release) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(release.dumps_path.iterdir())}


def test_the_reused_members_are_copied_from_the_previous_dumps_and_the_dumps_are_a_full_builds(inputs, copies):  # noqa: F811
    first = build(settings_for(inputs, "incremental"), built_at=T0)
    assert not copies  # nothing to copy from
    change_inputs(inputs)
    updated = build(settings_for(inputs, "incremental"), built_at=T1)
    clean = build(settings_for(inputs, "clean"), full=True, built_at=T1)
    assert updated.manifest()["rebuilt"]["reused"] == 2
    # both reused articles, in each of the four formats, copied from the first release's dumps
    assert sorted({name.split(".", 1)[1] for name, _, _ in copies}) == ["jsonld.gz", "nq.gz", "trig.gz", "ttl.gz"]
    assert all(name.startswith(f"newsfacts-{first.version}.") and copied for name, _, copied in copies)
    assert sum(n for _, n, _ in copies) == 2 * 4
    assert dump_bytes(updated) == dump_bytes(clean)
    assert [d["sha256"] for d in updated.manifest()["dumps"]] == [d["sha256"] for d in clean.manifest()["dumps"]]


def test_a_previous_dump_not_as_its_spans_say_is_not_copied_from(inputs, copies):  # noqa: F811
    first = build(settings_for(inputs, "incremental"), built_at=T0)
    for path in first.dumps_path.glob("*.gz"):  # the first article's member changed, all else where it was
        data = bytearray(path.read_bytes())
        data[len(data) // 3] ^= 0xFF
        path.chmod(0o644)
        path.write_bytes(bytes(data))
    change_inputs(inputs)
    updated = build(settings_for(inputs, "incremental"), built_at=T1)
    clean = build(settings_for(inputs, "clean"), full=True, built_at=T1)
    assert copies and not all(copied for _, _, copied in copies)
    assert dump_bytes(updated) == dump_bytes(clean)
