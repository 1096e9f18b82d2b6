"""The shell's options (``set -e``, ``set -o pipefail``): their names and letters, and the
way ``set -o``, ``set +o`` and ``$-`` show them, as busybox ash does."""

from __future__ import annotations

from typing import Final

# In the order ``set -o`` lists them; "" for an option without a letter.
OPTIONS: Final = (
    ("errexit", "e"), ("noglob", "f"), ("ignoreeof", ""), ("monitor", "m"),
    ("noexec", "n"), ("xtrace", "x"), ("verbose", "v"), ("noclobber", "C"),
    ("allexport", "a"), ("notify", "b"), ("nounset", "u"), ("errtrace", ""),
    ("vi", ""), ("pipefail", ""),
)  # fmt: skip
BY_LETTER: Final = {letter: name for name, letter in OPTIONS if letter}
NAMES: Final = frozenset(name for name, _ in OPTIONS)
# ``$-`` walks ash's option table backwards; "c" (run with -c) and "s" (reading
# stdin) are how the shell was started, not options ``set`` can change.
_DOLLAR_DASH_ORDER: Final = "ubaCvxscnmfe"


def dollar_dash(on: set[str], started_with: str) -> str:
    letters = {letter for name, letter in OPTIONS if name in on and letter} | set(started_with)
    return "".join(letter for letter in _DOLLAR_DASH_ORDER if letter in letters)


def listing(on: set[str]) -> str:
    """``set -o``: every option and whether it is on."""
    return "".join(f"{name:<15} {'on' if name in on else 'off'}\n" for name, _ in OPTIONS)


def as_commands(on: set[str]) -> str:
    """``set +o``: the commands that restore the options."""
    return "".join(f"set {'-' if name in on else '+'}o {name}\n" for name, _ in OPTIONS)
