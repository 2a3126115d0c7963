"""The per-process document cache: bounded, least recently used out, keyed by release."""

from newsfacts.web.linked_data.cache import DocumentCache


def test_least_recently_used_documents_leave_first_and_size_is_bounded():
    cache = DocumentCache(max_bytes=80)
    cache.put(("v1", "/a"), b"a" * 10)
    cache.put(("v1", "/b"), b"b" * 10)
    assert cache.get(("v1", "/a")) == b"a" * 10  # /a is now the most recently used
    for n in range(8):
        cache.put(("v1", f"/x{n}"), b"x" * 10)
    assert cache.get(("v1", "/b")) is None and cache.get(("v1", "/a")) is None
    assert cache.get(("v1", "/x7")) == b"x" * 10
    cache.put(("v1", "/huge"), b"h" * 11)  # more than an eighth of the budget: not cached
    assert cache.get(("v1", "/huge")) is None


def test_another_release_is_another_key():
    cache = DocumentCache()
    cache.put(("v1", "/entity/x.ttl"), b"old")
    assert cache.get(("v2", "/entity/x.ttl")) is None
