"""The per-process document cache: bounded, least recently used out, keyed by release."""

from newsfacts.web.linked_data.cache import DocumentCache


def test_least_recently_used_documents_leave_first_and_size_is_bounded():
    entry = DocumentCache.size_of(("v1", "/a"), b"a" * 10)
    cache = DocumentCache(max_bytes=8 * entry)
    cache.put(("v1", "/a"), b"a" * 10)
    cache.put(("v1", "/b"), b"b" * 10)
    assert cache.get(("v1", "/a")) == b"a" * 10  # /a is now the most recently used
    for n in range(8):
        cache.put(("v1", f"/{n}"), b"x" * 10)
    assert cache.get(("v1", "/b")) is None and cache.get(("v1", "/a")) is None
    assert cache.get(("v1", "/7")) == b"x" * 10
    assert cache.accounted_bytes <= cache.max_bytes
    cache.put(("v1", "/huge"), b"h" * 11)  # more than an eighth of the budget: not cached
    assert cache.get(("v1", "/huge")) is None


def test_keys_count_against_the_budget_and_entries_are_bounded():
    cache = DocumentCache(max_bytes=100_000, max_entries=50)
    for n in range(1000):
        cache.put(("v1", f"/entity/x?{n}-" + "q" * 5000), b"tiny")  # large keys, small bodies
    assert cache.accounted_bytes <= 100_000 and len(cache) <= 100_000 // 5000
    for n in range(1000):
        cache.put(("v1", f"/{n}"), b"b")
    assert len(cache) == 50 and cache.accounted_bytes <= 100_000


def test_another_release_is_another_key():
    cache = DocumentCache()
    cache.put(("v1", "/entity/x.ttl"), b"old")
    assert cache.get(("v2", "/entity/x.ttl")) is None
