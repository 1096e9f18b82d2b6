"""IDs and names: dockerd's shapes, reproducible from a seed."""

from __future__ import annotations

import re

from mockd.engine.ids import ADJECTIVES, SURNAMES, IdGenerator, short_id


def test_ids_are_64_hex_and_unique() -> None:
    ids = IdGenerator()
    made = {ids.new_id() for _ in range(500)}
    assert len(made) == 500
    for value in made:
        assert re.fullmatch(r"[0-9a-f]{64}", value)
        assert not value[:12].isdigit()


def test_a_seed_makes_ids_and_names_reproducible() -> None:
    first, second = IdGenerator(seed=7), IdGenerator(seed=7)
    assert [first.new_id() for _ in range(3)] == [second.new_id() for _ in range(3)]
    assert [first.random_name() for _ in range(3)] == [second.random_name() for _ in range(3)]
    assert first.new_uuid() == second.new_uuid()
    assert IdGenerator(seed=8).new_id() != IdGenerator(seed=7).new_id()


def test_short_id() -> None:
    full = "69b7da0ba460bf8f73b78d5450343e6b98e5239294b2bba0b43e0d9f73280602"
    assert short_id(full) == "69b7da0ba460"
    assert short_id("sha256:" + full) == "69b7da0ba460"


def test_names_are_adjective_underscore_surname_and_never_boring_wozniak() -> None:
    ids = IdGenerator(seed=1)
    seen = set()
    for _ in range(20000):
        name = ids.random_name()
        left, _, right = name.partition("_")
        assert left in ADJECTIVES and right in SURNAMES
        seen.add(name)
    assert "boring_wozniak" not in seen
    # Enough draws that the forbidden pair would have come up about twice.
    assert len(seen) > 3000


def test_a_retry_appends_a_digit() -> None:
    name = IdGenerator(seed=3).random_name(retry=1)
    assert re.fullmatch(r"[a-z]+_[a-z]+[0-9]", name)


def test_uuid_shape() -> None:
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
        IdGenerator().new_uuid(),
    )
