"""Messages between the web process and a query worker (pipes.py): whole, however they arrive, or a clear failure."""

from __future__ import annotations

import contextlib
import os
import threading
import time

import pytest

from newsfacts.web.sparql import pipes


@pytest.fixture
def pipe():
    read_end, write_end = os.pipe()
    yield read_end, write_end
    for fd in (read_end, write_end):
        with contextlib.suppress(OSError):
            os.close(fd)


@pytest.mark.parametrize("size", [0, 1, pipes.FIRST_READ - 40, pipes.FIRST_READ + 1, 3_000_000])
def test_a_message_arrives_whole_whatever_its_size(pipe, size):
    read_end, write_end = pipe
    body = os.urandom(size)
    writer = threading.Thread(target=pipes.write, args=(write_end, {"rows": size, "note": "é"}, body))
    writer.start()
    header, received = pipes.read(read_end, time.monotonic() + 10)
    writer.join()
    assert header == {"rows": size, "note": "é"} and received == body


def test_a_message_written_in_pieces_is_read_whole(pipe):
    read_end, write_end = pipe
    data = pipes.encode({"ok": True}, b"answer")

    cuts = [0, 3, 9, len(data) - 2, len(data)]  # a prefix cut in two, then the header, then the body's end

    def trickle():
        for start, end in zip(cuts, cuts[1:], strict=False):
            os.write(write_end, data[start:end])
            time.sleep(0.02)

    writer = threading.Thread(target=trickle)
    writer.start()
    assert pipes.read(read_end, time.monotonic() + 5) == ({"ok": True}, b"answer")
    writer.join()


def test_half_a_message_then_silence_is_a_deadline(pipe):
    read_end, write_end = pipe
    os.write(write_end, pipes.encode({"ok": True}, b"answer")[:12])
    started = time.monotonic()
    with pytest.raises(pipes.Deadline):
        pipes.read(read_end, started + 0.3)
    assert time.monotonic() - started < 2


def test_a_closed_pipe_mid_message_is_reported(pipe):
    read_end, write_end = pipe
    os.write(write_end, pipes.encode({"ok": True}, b"answer")[:-3])
    os.close(write_end)
    with pytest.raises(pipes.PipeClosed):
        pipes.read(read_end, time.monotonic() + 5)
