"""The ``mockd`` command: ``mockd serve`` runs a daemon, ``mockd coverage`` reports it.

::

    mockd serve --socket /tmp/mockd.sock
    mockd serve --tcp 127.0.0.1:2376 --tls-cert server.pem --tls-key key.pem \\
        --tls-ca ca.pem --tlsverify
    mockd serve --socket /tmp/mockd.sock --state /var/tmp/mockd.state
    mockd serve --socket /tmp/mockd.sock --socket-mode 600 --max-body-size 256m \\
        --max-archive-bytes 1g --max-archive-entries 100000
    mockd coverage [--markdown]

With ``--state FILE`` the state is restored from FILE at start (when it
exists) and saved to it at a clean shutdown (SIGINT, SIGTERM) and on SIGUSR1;
see ``mockd.snapshot``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import signal
import sys
from collections.abc import Sequence

from mockd import eventloop, snapshot
from mockd.daemon import TLSFiles, serve
from mockd.engine import Engine
from mockd.engine.system import API_VERSION
from mockd.fs.tarread import DEFAULT_LIMITS, TarLimits
from mockd.snapshot import SnapshotError


def _size(text: str) -> int:
    """A byte size as docker reads one: ``512m``, ``8g``, ``1048576``."""
    from dockersdk.params.errors import InvalidArgument
    from dockersdk.params.units import parse_bytes

    try:
        size = parse_bytes(text, argument="size")
    except InvalidArgument as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if size <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive size")
    return size


def _mode(text: str) -> int:
    """Permission bits in octal, as chmod takes them: ``660``, ``0600``."""
    try:
        mode = int(text, 8)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an octal mode") from None
    if not 0 <= mode <= 0o777:
        raise argparse.ArgumentTypeError(f"{text!r} is not a permission mode (000 to 777)")
    return mode


def _count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if count <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return count


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockd", description="A mock Docker daemon.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("serve", help="serve the Engine API until SIGINT or SIGTERM")
    where = run.add_argument_group("where to listen (at least one)")
    where.add_argument("--socket", metavar="PATH", help="a unix socket to create")
    where.add_argument("--tcp", metavar="HOST:PORT", help="a TCP address (port 0: any free)")
    tls = run.add_argument_group("TLS (with --tcp)")
    tls.add_argument("--tls-cert", metavar="FILE", help="the server's certificate (PEM)")
    tls.add_argument("--tls-key", metavar="FILE", help="the server's private key (PEM)")
    tls.add_argument("--tls-ca", metavar="FILE", help="CA that signs client certificates")
    tls.add_argument(
        "--tlsverify", action="store_true", help="require a client certificate signed by --tls-ca"
    )
    run.add_argument("--api-version", metavar="X.Y", help="the highest API version to serve")
    run.add_argument(
        "--insecure-registry",
        metavar="HOST",
        action="append",
        default=[],
        help="a registry (host[:port] or CIDR) to reach over plain HTTP; repeatable",
    )
    run.add_argument("--seed", help="seed IDs and names, for reproducible runs")
    run.add_argument(
        "--state",
        metavar="FILE",
        help="restore the state from FILE at start; save it there at shutdown and on SIGUSR1",
    )
    limits = run.add_argument_group("limits")
    limits.add_argument(
        "--socket-mode",
        metavar="MODE",
        type=_mode,
        default=0o660,
        help="permissions of the unix socket, in octal (default: 0660)",
    )
    limits.add_argument(
        "--max-body-size",
        metavar="SIZE",
        type=_size,
        help="the largest request body, e.g. 512m (default: 1g); a larger one gets 413",
    )
    limits.add_argument(
        "--max-archive-bytes",
        metavar="SIZE",
        type=_size,
        default=DEFAULT_LIMITS.max_total_bytes,
        help="the most an archive (PUT archive, build context, load, import, pulled layer) "
        "may expand to, e.g. 512m (default: 8g)",
    )
    limits.add_argument(
        "--max-archive-entries",
        metavar="N",
        type=_count,
        default=DEFAULT_LIMITS.max_entries,
        help=f"the most entries an archive may hold (default: {DEFAULT_LIMITS.max_entries})",
    )

    cov = commands.add_parser("coverage", help="implemented / total operations per API tag")
    cov.add_argument("--markdown", action="store_true", help="print a Markdown table")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    return _coverage(markdown=args.markdown)


def _serve(args: argparse.Namespace) -> int:
    if not args.socket and not args.tcp:
        print("mockd serve: give --socket PATH or --tcp HOST:PORT", file=sys.stderr)
        return 2
    tls: TLSFiles | None = None
    if args.tls_cert or args.tls_key:
        if not (args.tls_cert and args.tls_key and args.tcp):
            print("mockd serve: TLS needs --tcp, --tls-cert and --tls-key", file=sys.stderr)
            return 2
        if args.tlsverify and not args.tls_ca:
            print("mockd serve: --tlsverify needs --tls-ca", file=sys.stderr)
            return 2
        tls = TLSFiles(args.tls_cert, args.tls_key, args.tls_ca, verify_client=args.tlsverify)
    engine = Engine(
        version=args.api_version or API_VERSION,
        insecure_registries=tuple(args.insecure_registry),
        seed=args.seed,
        tar_limits=_tar_limits(args),
    )
    try:
        eventloop.run(
            _run_until_signalled(
                engine,
                args.socket,
                args.tcp,
                tls,
                args.state,
                max_body_size=args.max_body_size,
                socket_mode=args.socket_mode,
            )
        )
    except (OSError, ValueError, SnapshotError) as exc:
        print(f"mockd serve: {exc}", file=sys.stderr)
        return 1
    return 0


def _tar_limits(args: argparse.Namespace) -> TarLimits:
    return dataclasses.replace(
        DEFAULT_LIMITS,
        max_total_bytes=args.max_archive_bytes,
        max_entries=args.max_archive_entries,
    )


async def _run_until_signalled(
    engine: Engine,
    socket_path: str | None,
    tcp: str | None,
    tls: TLSFiles | None,
    state: str | None = None,
    *,
    max_body_size: int | None = None,
    socket_mode: int = 0o660,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if state is not None:
        if os.path.exists(state):
            await snapshot.restore(engine, state)
            print(f"mockd: state restored from {state}", flush=True)
        saves: set[asyncio.Task[None]] = set()

        def save_now() -> None:
            task = loop.create_task(snapshot.save(engine, state))
            saves.add(task)
            task.add_done_callback(saves.discard)

        loop.add_signal_handler(signal.SIGUSR1, save_now)
    listening = await serve(
        engine,
        unix_path=socket_path,
        tcp=tcp,
        tls=tls,
        max_body_size=max_body_size,
        socket_mode=socket_mode,
    )
    try:
        for host in listening.hosts:
            print(f"mockd: API {engine.api_version} listening on {host}", flush=True)
        print(f"export DOCKER_HOST={listening.hosts[0]}", flush=True)
        if listening.tls:
            print("export DOCKER_TLS_VERIFY=1  # and DOCKER_CERT_PATH to the client's certificates")
        sys.stdout.flush()
        await stop.wait()
    finally:
        await listening.server.close()
        if state is not None:
            await snapshot.save(engine, state)
            print(f"mockd: state saved to {state}", flush=True)
        print("mockd: stopped", flush=True)


def coverage_rows() -> list[tuple[str, int, int]]:
    """(tag, implemented, total) for every tag of the API document, and the total last."""
    from mockd.daemon import _spec
    from mockd.router import Router

    per_tag = Router(_spec(), Engine()).coverage()
    rows = [(tag, done, total) for tag, (done, total) in sorted(per_tag.items())]
    rows.append(("Total", sum(r[1] for r in rows), sum(r[2] for r in rows)))
    return rows


def _coverage(*, markdown: bool) -> int:
    rows = coverage_rows()
    if markdown:
        print("| Tag | Implemented | Total | Share |")
        print("| --- | ---: | ---: | ---: |")
        for tag, done, total in rows:
            name = f"**{tag}**" if tag == "Total" else tag
            print(f"| {name} | {done} | {total} | {_share(done, total)} |")
        return 0
    width = max(len(tag) for tag, _, _ in rows)
    for tag, done, total in rows:
        print(f"{tag:<{width}}  {done:>4} / {total:<4} {_share(done, total):>5}")
    return 0


def _share(done: int, total: int) -> str:
    return f"{100 * done // total}%" if total else "-"


if __name__ == "__main__":
    sys.exit(main())
