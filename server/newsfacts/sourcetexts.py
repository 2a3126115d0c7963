"""Reading an article's source text, confined to the folder of source texts.

A facts file names its source text (`article.source_text`); that name is a plain
file name inside the folder (`sources_dir`): no folder part, no '..', no absolute
path, no symbolic link that leads out of the folder, and at most
`max_source_text_bytes` long. A facts file is data written by people, so a name
that breaks these rules is a problem of the file; and an error never says
anything (size, checksum, content) about a file outside the folder, which would
let a facts file probe the builder's disk.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

#: Longest name echoed back in a message.
_ECHO = 80


@dataclass(frozen=True)
class SourceText:
    """What reading a source text gave: its bytes and text, or why it was skipped, or a problem (rule, message)."""

    raw: bytes | None = None
    text: str | None = None
    skipped: str | None = None  # why the text is not available (not an error: the checks are skipped)
    problem: tuple[str, str] | None = None


def name_problem(name: object) -> str | None:
    """Why `name` cannot name a source text, or None when it is a plain file name."""
    if not isinstance(name, str) or not name.strip():
        return "source_text must be a file name"
    separators = {"/", "\\", os.sep} | ({os.altsep} if os.altsep else set())
    if any(sep in name for sep in separators) or name in (".", "..") or "\0" in name or Path(name).is_absolute():
        shown = name if len(name) <= _ECHO else name[:_ECHO] + "…"
        return (f"source_text {shown!r} must be a file name inside the folder of source texts "
                "(no folder, no '..', no absolute path)")
    return None


def read_source_text(sources_dir: str, name: object, max_bytes: int) -> SourceText:
    """The source text called `name` in `sources_dir`, within the rules of this module."""
    target = source_text_file(sources_dir, name, max_bytes)
    return target if isinstance(target, SourceText) else read_source_file(target, name, max_bytes)


def read_source_file(target: Path, name: object, max_bytes: int) -> SourceText:
    """The source text called `name` from the file `source_text_file` found for it."""
    try:
        with open(target, "rb") as handle:
            raw = handle.read(max_bytes + 1)  # the file may have grown since stat()
    except OSError as exc:
        return SourceText(problem=("source-text-unreadable", f"{name} cannot be read: {exc.strerror}"))
    if len(raw) > max_bytes:
        return SourceText(problem=("source-text-size", f"{name} is larger than max_source_text_bytes ({max_bytes} bytes)"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return SourceText(problem=("source-text-encoding", f"{name} is not UTF-8 text (byte {exc.start})"))
    return SourceText(raw=raw, text=text)


def source_text_file(sources_dir: str, name: object, max_bytes: int) -> Path | SourceText:
    """The file the source text called `name` is read from, when its name, place, kind and size follow the rules
    of this module (its bytes are not read: they may still be unreadable or not UTF-8); else why it is skipped or
    the problem, as `read_source_text` gives them."""
    problem = name_problem(name)
    if problem:
        return SourceText(problem=("source-text-name", problem))
    if not sources_dir:
        return SourceText(skipped="no folder of source texts is set")
    try:  # a regular file, not a link, is in the folder: its name has no folder part (checked above)
        found = os.lstat(os.path.join(sources_dir, name))
    except FileNotFoundError:
        return SourceText(skipped=f"{name} is not in {sources_dir}")
    except OSError:
        found = None
    if found is not None and stat.S_ISREG(found.st_mode) and found.st_size <= max_bytes:
        return Path(sources_dir) / name
    folder = Path(sources_dir).resolve()
    path = folder / str(name)
    if not os.path.lexists(path):
        return SourceText(skipped=f"{name} is not in {sources_dir}")
    target = path.resolve()
    if target.parent != folder:
        return SourceText(problem=("source-text-outside", f"{name} in {sources_dir} is a link that leads out of the "
                                                          "folder of source texts; a source text must be a file in it"))
    if not target.is_file():
        return SourceText(problem=("source-text-name", f"{name} in {sources_dir} is not a regular file"))
    if target.stat().st_size > max_bytes:
        return SourceText(problem=("source-text-size", f"{name} is larger than max_source_text_bytes ({max_bytes} bytes)"))
    return target
