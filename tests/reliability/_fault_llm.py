"""A tiny OpenAI-compatible server that misbehaves in one chosen way, for the reliability tests.

    python _fault_llm.py MODE [--port N] [--probe-ok]

Serves ``GET /v1/models`` and ``POST /v1/chat/completions`` (plain and ``"stream": true``) on
127.0.0.1 and prints ``READY <port>`` once it listens. MODE is the fault:

    ok         a short JSON answer quoting evidence [1] and citing it
    slow       chat requests sleep far longer than any client timeout before replying
    401        every request is refused; the error body echoes the key it was sent
    429        chat requests are rate limited (Retry-After: 1)
    500        chat requests fail; the error body echoes the Authorization header
    malformed  200 with a broken JSON body (broken SSE data when streaming)
    endless    a stream that never ends: one token every 0.1 s, forever (a plain request gets a
               body that never ends either, one space every 0.1 s)

``/v1/models`` answers 200 in every mode but 401 (and in 401 too with ``--probe-ok``, like servers
whose model list needs no key). Error bodies echo the key on purpose: a client must not repeat it.

Tests start it with ``running(mode)`` (below), which yields the base URL and always stops it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

MODES = ("ok", "slow", "401", "429", "500", "malformed", "endless")
SLOW_S = 60.0


def _evidence_one(messages: list[dict]) -> str:
    """The text of evidence line [1] in the prompt (what the ``ok`` answer quotes), else a stock line."""
    for message in messages:
        content = message.get("content")
        match = re.search(r"^\[1\] (?:\([^)]*\) )?(.+)$", content if isinstance(content, str) else "", re.M)
        if match:
            return match.group(1).strip()
    return "The articles say so."


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "FaultServer"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # quiet: the tests read stdout for READY only

    def _send(self, status: int, body: bytes, content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        body = {"error": {"message": message, "type": "fault_injected", "code": str(status)}}
        self._send(status, json.dumps(body).encode(), headers=headers)

    def _key(self) -> str:
        return self.headers.get("Authorization", "").removeprefix("Bearer ")

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.rstrip("/") != "/v1/models":
            return self._error(404, f"no route {self.path}")
        if self.server.mode == "401" and not self.server.probe_ok:
            return self._error(401, f"Incorrect API key provided: {self._key()}")
        self._send(200, json.dumps({"object": "list", "data": [{"id": "fault", "object": "model"}]}).encode())

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        if self.path.rstrip("/") != "/v1/chat/completions":
            return self._error(404, f"no route {self.path}")
        mode, stream = self.server.mode, bool(request.get("stream"))
        if mode == "401":
            return self._error(401, f"Incorrect API key provided: {self._key()}")
        if mode == "429":
            return self._error(429, "Rate limit reached; try again in 1 s", {"Retry-After": "1"})
        if mode == "500":
            return self._error(500, f"upstream crashed handling Authorization: {self.headers.get('Authorization')}")
        if mode == "slow":
            time.sleep(SLOW_S)
        if mode == "malformed":
            if stream:
                return self._send(200, b'data: {"id": "x", "choices": [{"delta": {"content": \n\n',
                                  "text/event-stream")
            return self._send(200, b'{"id": "chatcmpl-x", "choices": [{"message": {"content": "')
        if mode == "endless":
            return self._endless(stream)
        reply = json.dumps({"answer": f"{_evidence_one(request.get('messages', []))} [1]",
                            "citations": [1], "answerable": True})
        if stream:
            return self._stream([reply[i : i + 12] for i in range(0, len(reply), 12)])
        self._send(200, json.dumps(self._completion(reply)).encode())

    def _completion(self, content: str) -> dict:
        return {"id": "chatcmpl-fault", "object": "chat.completion", "created": int(time.time()), "model": "fault",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}

    @staticmethod
    def _chunk(content: str | None, finish: str | None = None) -> bytes:
        delta = {"role": "assistant", "content": content} if content is not None else {}
        chunk = {"id": "chatcmpl-fault", "object": "chat.completion.chunk", "created": int(time.time()),
                 "model": "fault", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return f"data: {json.dumps(chunk)}\n\n".encode()

    def _start_chunked(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _stream(self, pieces: list[str]) -> None:
        self._start_chunked("text/event-stream")
        for piece in pieces:
            self._write_chunk(self._chunk(piece))
        self._write_chunk(self._chunk(None, "stop") + b"data: [DONE]\n\n")
        self._write_chunk(b"")

    def _endless(self, stream: bool) -> None:
        self._start_chunked("text/event-stream" if stream else "application/json")
        try:
            if stream:
                self._write_chunk(self._chunk('{"answer": "'))
            while True:  # until the client hangs up
                self._write_chunk(self._chunk("and so on ") if stream else b" ")
                time.sleep(0.1)
        except OSError:
            self.close_connection = True


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, mode: str, probe_ok: bool) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.mode, self.probe_ok = mode, probe_ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=MODES)
    parser.add_argument("--port", type=int, default=0, help="0 = a free port (printed)")
    parser.add_argument("--probe-ok", action="store_true", help="/v1/models answers 200 even in mode 401")
    args = parser.parse_args(argv)
    server = FaultServer(args.port, args.mode, args.probe_ok)
    print(f"READY {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    return 0


# --------------------------------------------------------------------------- client side, for the tests


def shared_conftest():  # noqa: ANN201 - the module
    """tests/conftest.py (free_port, stop_process, SEEDS, the tally…), the one module every test imports."""
    return importlib.import_module("conftest")


@contextmanager
def llm_url(mode: str | None, *, probe_ok: bool = True) -> Iterator[str]:
    """The base URL of a fault server in ``mode``; for None ("down"), a port nothing listens on."""
    if mode is None:
        yield f"http://127.0.0.1:{shared_conftest().free_port()}/v1"
        return
    with running(mode, probe_ok=probe_ok) as url:
        yield url


@pytest.fixture(autouse=True)
def no_cached_probe() -> Iterator[None]:
    """No reachability verdict of an earlier test's server is reused (rag.llm caches them); applies
    to every test module that imports it."""
    import rag.llm

    rag.llm._REACHABLE.clear()  # noqa: SLF001
    yield
    rag.llm._REACHABLE.clear()  # noqa: SLF001


@contextmanager
def running(mode: str, *, probe_ok: bool = False, startup_s: float = 10.0) -> Iterator[str]:
    """This server in a subprocess on a free port; yields its base URL (http://127.0.0.1:PORT/v1)."""
    shared = shared_conftest()
    port = shared.free_port()
    command = [sys.executable, __file__, mode, "--port", str(port)] + (["--probe-ok"] if probe_ok else [])
    errors = tempfile.TemporaryFile()  # a file, not a pipe: a chatty server can never block on it
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + startup_s
        while True:
            if proc.poll() is not None:
                errors.seek(0)
                raise RuntimeError(f"fault server exited with {proc.returncode}: {errors.read().decode()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"fault server not listening on {port} after {startup_s:g} s") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        shared.stop_process(proc, 5.0)
        errors.close()


if __name__ == "__main__":
    sys.exit(main())
