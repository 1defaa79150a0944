"""Mirrors that misbehave at the HTTP level: every failure moves on to the next mirror.

A raw socket server on 127.0.0.1 answers each request with a response chosen by
the request's path: malformed status lines and headers, broken chunked bodies,
connections closed or reset early, a body dribbled one byte at a time, and random
damage of a valid response.  Each download either delivers the verified file or
raises DatasetDownloadError naming every mirror's failure, within its deadline.
"""
import os
import socket
import socketserver
import struct
import threading
import time

import numpy as np
import pytest

from nncore.datasets import _files

NAME = "train-labels-idx1-ubyte.gz"   # the smallest pinned file not shipped with nncore


def _head(length, extra=b""):
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n" % (length, extra)


def _responses(data):
    """mode -> callable(socket) that answers one request."""
    def send(blob):
        return lambda sock: sock.sendall(blob)

    def dribble(prefix, body, every=0.2, limit=4.0):
        def answer(sock):
            sock.sendall(prefix)
            end = time.monotonic() + limit
            for byte in body:
                if time.monotonic() > end:
                    return
                sock.sendall(bytes([byte]))
                time.sleep(every)
        return answer

    def reset(sock):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    return {
        "good": send(_head(len(data)) + data),
        "bad-status": send(b"HTTX/1.1 200 OK\r\n\r\n" + data),
        "garbage": send(bytes(range(256)) * 4),
        "empty": send(b""),
        "long-header": send(b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n"),
        "many-headers": send(b"HTTP/1.1 200 OK\r\n" + b"".join(
            b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n" + data),
        "chunked-truncated": send(chunked + b"%x\r\n" % len(data) + data[:1000]),
        "chunked-bad-size": send(chunked + b"zz\r\n" + data),
        "short-body": send(_head(len(data)) + data[:100]),
        "long-body": send(_head(len(data) + 10) + data + bytes(10)),
        "status-500": send(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"),
        "redirect-loop": send(b"HTTP/1.1 302 Found\r\nLocation: /redirect-loop/" + NAME.encode()
                              + b"\r\nContent-Length: 0\r\n\r\n"),
        "reset": reset,
        "dribble-body": dribble(_head(len(data)), data),
        "dribble-headers": dribble(b"", _head(len(data)), every=0.05),
    }


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _serve(data, fuzzed):
    answers = _responses(data)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            request = b""
            while b"\r\n\r\n" not in request and len(request) < 65536:
                more = self.request.recv(4096)
                if not more:
                    return
                request += more
            mode = request.split(b" ")[1].decode().strip("/").split("/")[0]
            try:
                if mode.startswith("fuzz"):
                    self.request.sendall(fuzzed[int(mode[4:])])
                else:
                    answers[mode](self.request)
            except OSError:
                pass   # the client gave up: fine

    return _Server(("127.0.0.1", 0), Handler)


def _fuzzed(data, n, seed=0):
    """``n`` random damages of a valid response (header bytes changed, cut, repeated)."""
    rng = np.random.default_rng(seed)
    good = _head(len(data)) + data
    out = []
    for _ in range(n):
        blob = bytearray(good)
        pos = int(rng.integers(0, 60))
        kind = rng.integers(3)
        if kind == 0:
            blob[pos] = int(rng.integers(256))
        elif kind == 1:
            del blob[int(rng.integers(0, len(blob))):]
        else:
            blob[pos:pos] = blob[pos:pos + 20] * int(rng.integers(1, 5000))
        out.append(bytes(blob))
    return out


@pytest.fixture(scope="module")
def mirror(mnist_dir):
    with open(os.path.join(mnist_dir, NAME), "rb") as f:
        data = f.read()
    fuzzed = _fuzzed(data, 40)
    server = _serve(data, fuzzed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", len(fuzzed)
    server.shutdown()
    server.server_close()


BAD = ["bad-status", "garbage", "empty", "long-header", "many-headers", "chunked-truncated",
       "chunked-bad-size", "short-body", "long-body", "status-500", "redirect-loop", "reset",
       "dribble-body", "dribble-headers"]


def _ensure(tmp_path, mirrors, timeout=1.0):
    start = time.monotonic()
    return _files.ensure(NAME, data_home=tmp_path, mirrors=mirrors, timeout=timeout), \
        time.monotonic() - start


def test_every_bad_mirror_is_skipped_for_the_next(mirror, tmp_path):
    url, _ = mirror
    mirrors = [f"{url}/{mode}/" for mode in BAD] + [f"{url}/good/"]
    path, seconds = _ensure(tmp_path, mirrors)
    assert _files.verified(path, NAME)
    deadline = 1.0 + _files.FILES[NAME][0] / _files.MIN_RATE
    assert seconds < 2 * deadline + 8, f"{seconds:.1f} s for {len(BAD)} bad mirrors"


def test_all_bad_mirrors_are_named_in_one_error(mirror, tmp_path):
    url, _ = mirror
    mirrors = [f"{url}/{mode}/" for mode in BAD]
    with pytest.raises(_files.DatasetDownloadError) as info:
        _ensure(tmp_path, mirrors)
    message = str(info.value)
    for mode in BAD:
        assert f"/{mode}/{NAME}: " in message, f"{mode} is not reported: {message}"
    assert "TimeoutError" in message     # the dribbling mirrors hit the whole-file deadline
    assert not os.path.exists(tmp_path / NAME)


def test_fuzzed_responses_fail_over_or_verify(mirror, tmp_path):
    url, n = mirror
    for i in range(n):
        folder = tmp_path / str(i)
        folder.mkdir()
        try:
            path, seconds = _ensure(folder, [f"{url}/fuzz{i}/"], timeout=0.5)
        except _files.DatasetDownloadError as exc:
            assert f"/fuzz{i}/{NAME}: " in str(exc)
        else:
            assert _files.verified(path, NAME)   # a harmless damage (say, a header's case)
