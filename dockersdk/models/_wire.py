"""The base of every generated wire model: typed attributes, and dict access by wire name.

Code written for docker-py reads answers as dicts: ``client.info()["ServerVersion"]``,
``image.attrs["Config"]["Env"]``, ``stats["memory_stats"]["usage"]``.  The generated
models answer those reads too, so moving over is a matter of imports, while new code
uses the typed attributes (``info.server_version``), which are the fast path.

Reading by wire name returns the attribute's value as it is (a nested model is
itself readable by wire name).  A field the model knows but the daemon left out reads
as ``None``, as ``dict.get`` would; a name the model does not know raises
``KeyError``.  ``keys()`` and ``in`` see only the fields that hold a value, and
``to_dict()`` gives the plain JSON-shaped data (what docker-py would have held).

There is no ``items()`` or ``values()``: some schemas have a field named ``Items``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

# Per model class: wire name -> attribute name, built on first use.
_ATTRIBUTES: dict[type, dict[str, str]] = {}


def _attributes(cls: type[msgspec.Struct]) -> dict[str, str]:
    names = _ATTRIBUTES.get(cls)
    if names is None:
        names = {f.encode_name: f.name for f in msgspec.structs.fields(cls)}
        _ATTRIBUTES[cls] = names
    return names


class WireStruct(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A model of the API: typed attributes, and read access by wire name."""

    def __getitem__(self, key: str) -> Any:
        try:
            attribute = _attributes(type(self))[key]
        except KeyError:
            raise KeyError(key) from None
        return getattr(self, attribute)

    def get(self, key: str, default: Any = None) -> Any:
        """The field's value by wire name, or ``default`` when it has none."""
        attribute = _attributes(type(self)).get(key)
        value = None if attribute is None else getattr(self, attribute)
        return default if value is None else value

    def keys(self) -> list[str]:
        """The wire names of the fields that hold a value."""
        return [k for k, a in _attributes(type(self)).items() if getattr(self, a) is not None]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __contains__(self, key: object) -> bool:
        attribute = _attributes(type(self)).get(key) if isinstance(key, str) else None
        return attribute is not None and getattr(self, attribute) is not None

    def to_dict(self) -> dict[str, Any]:
        """The model as plain JSON-shaped data, keyed by wire names."""
        data = msgspec.to_builtins(self)
        assert isinstance(data, dict)
        return data
