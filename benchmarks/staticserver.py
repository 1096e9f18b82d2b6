"""A server that answers every request with the same bytes, as fast as it can.

It is the floor the mock is held to: sending a body costs at least this much.
Run as ``python -m benchmarks.staticserver --socket PATH --body FILE [--chunked]``
(a process of its own, so it does not share the client's GIL).  Hand-written
HTTP/1.1 rather than h11: the point is to do nothing but read a request head
and write the answer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHUNK = 65536


def _pieces(body: bytes, per_line: bool) -> list[bytes]:
    if per_line:  # as dockerd, which flushes each event or log line as it comes
        return body.splitlines(keepends=True)
    return [body[i : i + CHUNK] for i in range(0, len(body), CHUNK)]


async def _serve(path: str, body: bytes, chunked: bool, content_type: str, per_line: bool) -> None:
    if chunked:
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n"
                "Transfer-Encoding: chunked\r\n\r\n").encode()  # fmt: skip
        framed = b"".join(b"%x\r\n%b\r\n" % (len(piece), piece)
                          for piece in _pieces(body, per_line)) + b"0\r\n\r\n"  # fmt: skip
        # Written in large slices: the chunk framing is in the bytes already,
        # and the server must not be what limits the client.
        pieces = [framed[i : i + 4 * CHUNK] for i in range(0, len(framed), 4 * CHUNK)]
    else:
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()  # fmt: skip
        pieces = [body]

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                if not request:
                    break
                writer.write(head)
                for piece in pieces:
                    writer.write(piece)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_unix_server(answer, path, limit=1 << 20)
    async with server:
        await server.serve_forever()


class StaticServer:
    """The server in a child process, serving ``body`` on a private socket."""

    def __init__(self, body: bytes, *, chunked: bool = False, per_line: bool = False,
                 content_type: str = "application/json") -> None:  # fmt: skip
        self.tempdir = tempfile.mkdtemp(prefix="static-bench-")
        self.socket = os.path.join(self.tempdir, "s.sock")
        body_file = os.path.join(self.tempdir, "body")
        Path(body_file).write_bytes(body)
        from benchmarks.backends import REPO_ROOT, answers_ping, pythonpath_env

        argv = [sys.executable, "-m", "benchmarks.staticserver", "--socket", self.socket,
                "--body", body_file, "--content-type", content_type]  # fmt: skip
        if chunked:
            argv.append("--chunked")
        if per_line:
            argv.append("--per-line")
        self.process = subprocess.Popen(argv, env=pythonpath_env(), cwd=REPO_ROOT)
        self.docker_host = f"unix://{self.socket}"
        deadline = time.monotonic() + 20
        while not (os.path.exists(self.socket) and answers_ping(self.docker_host)):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("the static server did not start")
            time.sleep(0.005)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        for name in os.listdir(self.tempdir):
            os.remove(os.path.join(self.tempdir, name))
        os.rmdir(self.tempdir)

    def __enter__(self) -> StaticServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", required=True)
    parser.add_argument("--body", required=True)
    parser.add_argument("--chunked", action="store_true")
    parser.add_argument("--per-line", action="store_true", help="one HTTP chunk per line")
    parser.add_argument("--content-type", default="application/json")
    args = parser.parse_args()
    body = Path(args.body).read_bytes()
    try:
        asyncio.run(_serve(args.socket, body, args.chunked, args.content_type, args.per_line))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
