"""``python -m benchmarks [--quick] [--backend mock|real|both] [--only NAME ...]``."""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time
import traceback
from collections.abc import Sequence
from types import ModuleType

from benchmarks.backends import Backend, connect_real, real_docker_host, start_mock
from benchmarks.context import Context
from benchmarks.report import Report, render

# Run order: client-side comparisons first, then the mock's own figures (the
# scale benchmark fills a daemon of its own), then the end-to-end payoff.
MODULES = (
    "calls", "highlevel", "decode", "logs", "events",
    "lifecycle", "concurrency", "scale", "fanout", "build", "daemon", "scenario",
)  # fmt: skip


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, few repetitions")
    parser.add_argument("--backend", choices=("mock", "real", "both"), default="both",
                        help="which daemons to measure (default both; real is skipped "
                             "when unreachable)")  # fmt: skip
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        choices=MODULES,
        help=f"run only these benchmarks (repeatable): {', '.join(MODULES)}",
    )
    parser.add_argument("--output", metavar="FILE", help="also write the report to FILE")
    return parser


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"benchmarks.bench_{name}")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    report = Report()
    backends: list[Backend] = []
    if args.backend in ("mock", "both"):
        backends.append(start_mock())
    if args.backend in ("real", "both"):
        real = connect_real()
        if real is None:
            report.skip(f"real engine: nothing answers at {real_docker_host()} "
                        "(set DOCKERSDK_REAL_DOCKER_HOST)")  # fmt: skip
        else:
            backends.append(real)
    ctx = Context(quick=args.quick, backends=backends, report=report)
    print(f"# dockersdk benchmarks ({'quick' if args.quick else 'full'} run)\n\n"
          f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}, Python {platform.python_version()}, "
          f"{_cpu_model()}, backends: {', '.join(b.name + ' API ' + b.api_version for b in backends)}",
          flush=True)  # fmt: skip
    failed = []
    try:
        for name in args.only or MODULES:
            started = time.perf_counter()
            print(f"... {name}", file=sys.stderr, flush=True)
            try:
                _module(name).run(ctx)
            except Exception:
                failed.append(name)
                traceback.print_exc()
                report.skip(f"{name}: failed ({traceback.format_exc(limit=1).splitlines()[-1]})")
            print(f"    {name} took {time.perf_counter() - started:.1f}s",
                  file=sys.stderr, flush=True)  # fmt: skip
    finally:
        for backend in backends:
            backend.stop()
    render(report)
    if args.output:
        with open(args.output, "w") as out:
            render(report, out)
    return 1 if failed else 0


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    sys.exit(main())
