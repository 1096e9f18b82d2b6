"""Typed models of the Docker Engine API.

The wire models are generated from ``openapi/engine-api.json`` into
:mod:`dockersdk.models._generated` (see ``scripts/gen_models.py``); every name
listed in its ``__all__`` is re-exported here.
"""

from dockersdk.models import _generated
from dockersdk.models._generated import *  # noqa: F403

__all__ = list(_generated.__all__)
