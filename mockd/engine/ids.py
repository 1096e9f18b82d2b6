"""Identifiers as dockerd makes them: 64-hex IDs, short IDs, container names.

All randomness comes from one ``random.Random`` per engine, so a test that
passes a seed gets the same IDs and names on every run.
"""

from __future__ import annotations

import bisect
import random
import uuid

SHORT_LEN = 12

# A subset of moby's pkg/namesgenerator word lists (adjectives, and notable
# scientists and hackers).  "boring" and "wozniak" are both kept so the one
# rule about them below stays meaningful.
ADJECTIVES = (
    "admiring", "adoring", "affectionate", "agitated", "amazing", "angry",
    "awesome", "beautiful", "blissful", "bold", "boring", "brave", "busy",
    "charming", "clever", "compassionate", "competent", "confident", "cool",
    "cranky", "crazy", "dazzling", "determined", "distracted", "dreamy",
    "eager", "ecstatic", "elastic", "elated", "elegant", "eloquent", "epic",
    "exciting", "fervent", "festive", "flamboyant", "focused", "friendly",
    "frosty", "funny", "gallant", "gifted", "goofy", "gracious", "great",
    "happy", "hardcore", "heuristic", "hopeful", "hungry", "infallible",
    "inspiring", "intelligent", "jolly", "jovial", "keen", "kind", "laughing",
    "loving", "lucid", "magical", "modest", "musing", "nervous", "nice",
    "nifty", "nostalgic", "optimistic", "peaceful", "pedantic", "pensive",
    "practical", "priceless", "quirky", "relaxed", "reverent", "romantic",
    "sad", "serene", "sharp", "silly", "sleepy", "stoic", "strange",
    "suspicious", "sweet", "tender", "thirsty", "trusting", "upbeat",
    "vibrant", "vigilant", "wizardly", "wonderful", "youthful", "zealous", "zen",
)  # fmt: skip

SURNAMES = (
    "albattani", "allen", "almeida", "archimedes", "babbage", "banach",
    "bardeen", "bartik", "bell", "bhabha", "blackwell", "bohr", "booth",
    "borg", "bose", "brahmagupta", "brattain", "carson", "chandrasekhar",
    "cori", "cray", "curie", "darwin", "dijkstra", "easley", "einstein",
    "elion", "engelbart", "euclid", "fermat", "fermi", "feynman", "franklin",
    "galileo", "goldberg", "goodall", "hamilton", "hawking", "heisenberg",
    "hodgkin", "hopper", "hypatia", "jennings", "jepsen", "joliot", "kalam",
    "kare", "keller", "kilby", "knuth", "lamarr", "leakey", "liskov",
    "lovelace", "lumiere", "mccarthy", "mcclintock", "meitner", "mirzakhani",
    "morse", "newton", "noether", "pascal", "pasteur", "payne", "perlman",
    "pike", "poincare", "ramanujan", "ritchie", "shannon", "shockley",
    "sinoussi", "stallman", "swartz", "tesla", "thompson", "torvalds",
    "turing", "varahamihira", "villani", "wiles", "williams", "wilson",
    "wing", "wozniak", "wright", "yalow", "yonath",
)  # fmt: skip


def short_id(full_id: str) -> str:
    """The first 12 hex digits of an ID, without any ``sha256:`` prefix."""
    if ":" in full_id:
        full_id = full_id.split(":", 1)[1]
    return full_id[:SHORT_LEN]


class IdGenerator:
    """Random IDs and names from one seedable source."""

    def __init__(self, seed: int | str | None = None) -> None:
        self._rng = random.Random(seed)

    @property
    def rng(self) -> random.Random:
        """The source itself, for other parts of the engine that need randomness."""
        return self._rng

    def new_id(self) -> str:
        """64 lowercase hex digits, like a container or exec ID.

        As moby's stringid does, an ID whose short form is all digits is
        drawn again: such a short ID would read as a number.
        """
        while True:
            value = f"{self._rng.getrandbits(256):064x}"
            if not value[:SHORT_LEN].isdigit():
                return value

    def new_uuid(self) -> str:
        """A random (version 4) UUID, as dockerd uses for its own ID."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def random_name(self, retry: int = 0) -> str:
        """A container name like ``focused_einstein``.

        On a retry (the name was taken) a digit is appended, as dockerd does.
        """
        while True:
            name = f"{self._rng.choice(ADJECTIVES)}_{self._rng.choice(SURNAMES)}"
            # Steve Wozniak is not boring: moby never generates this one.
            if name != "boring_wozniak":
                break
        if retry > 0:
            name += str(self._rng.randrange(10))
        return name


class PrefixIndex:
    """Sorted IDs, so a short-ID lookup is a binary search, not a scan (images,
    containers and every other store that accepts a unique ID prefix).

    Hand-written over ``bisect`` (a sorted list keeps inserts at a memmove of
    pointers, microseconds for 10,000 IDs; no dependency needed for that).
    """

    def __init__(self) -> None:
        self._keys: list[str] = []

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: str) -> None:
        bisect.insort(self._keys, key)

    def discard(self, key: str) -> None:
        i = bisect.bisect_left(self._keys, key)
        if i < len(self._keys) and self._keys[i] == key:
            del self._keys[i]

    def matching(self, prefix: str, limit: int = 2) -> list[str]:
        """Up to ``limit`` keys starting with ``prefix`` (two tell ambiguity apart)."""
        keys = self._keys
        i = bisect.bisect_left(keys, prefix)
        out: list[str] = []
        while i < len(keys) and len(out) < limit and keys[i].startswith(prefix):
            out.append(keys[i])
            i += 1
        return out
