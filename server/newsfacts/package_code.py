"""What the package's code is: the SHA-256 of each of its files, for the digests that decide what a build reuses
(the build code) and whether stored documents are served (the whole package, templates included)."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

SUFFIXES = (".py", ".rq", ".json", ".jsonld", ".html")


@functools.lru_cache(maxsize=1)
def package_digests() -> dict[str, str]:
    """SHA-256 of each file of the package's code, queries, JSON-LD contexts and templates, by path in the package
    (read once per process: the code does not change under a running build or server)."""
    package = Path(__file__).parent
    return {str(p.relative_to(package)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(package.rglob("*")) if p.is_file() and p.suffix in SUFFIXES and "__pycache__" not in p.parts}
