"""The tour: every lesson in this directory, in order, against one daemon.

    python examples/tour.py              # an embedded mock daemon
    DOCKER_HOST=unix:///var/run/docker.sock python examples/tour.py

Each lesson is a ``NN_name.py`` file next to this one, runnable alone; the
tour imports them and calls their ``lesson(client)``.  It stops at the first
lesson that fails (later ones may rely on what earlier ones set up) and exits
non-zero.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path

from _common import Lesson, Stopwatch, connect, heading, lesson_title

HERE = Path(__file__).resolve().parent


def lesson_files() -> list[Path]:
    return sorted(HERE.glob("[0-9][0-9]_*.py"))


def load_lesson(path: Path) -> Lesson:
    # The file names start with digits (to order them), so they are not
    # importable by an import statement: load each from its path.
    spec = importlib.util.spec_from_file_location(f"lesson_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    lesson: Lesson = module.lesson
    return lesson


def main(paths: list[Path] | None = None) -> int:
    """Run the lessons at ``paths`` (default: every lesson here); 0 when all passed."""
    lessons = [load_lesson(path) for path in (lesson_files() if paths is None else paths)]
    watch = Stopwatch()
    ran = 0
    with connect() as client:
        for lesson in lessons:
            heading(lesson_title(lesson))
            try:
                lesson(client)
            except Exception:
                traceback.print_exc()
                print()
                title = lesson_title(lesson)
                print(
                    f"Tour stopped: {title} failed ({ran} of {len(lessons)} lessons ran, "
                    f"{watch.elapsed:.1f}s)"
                )
                return 1
            ran += 1
    print()
    print(f"Tour complete: {ran} lessons in {watch.elapsed:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
