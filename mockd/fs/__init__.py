"""The mock's filesystems: node trees, layers, union views, copy-on-write, safe tar."""

from mockd.fs.api import FileStat, FileSystem
from mockd.fs.archive import ExtractConflictError, extract_into, tar_of_view
from mockd.fs.changes import Change
from mockd.fs.container import ContainerFS, MemoryFileSystem
from mockd.fs.errors import TarSafetyError
from mockd.fs.layer import Layer, LayerStore, chain_id, chain_ids, union_of
from mockd.fs.pathstat import path_stat, path_stat_header
from mockd.fs.tarread import TarLimits, layer_from_tar
from mockd.fs.union import UnionView

__all__ = [
    "Change",
    "ContainerFS",
    "ExtractConflictError",
    "FileStat",
    "FileSystem",
    "Layer",
    "LayerStore",
    "MemoryFileSystem",
    "TarLimits",
    "TarSafetyError",
    "UnionView",
    "chain_id",
    "chain_ids",
    "extract_into",
    "layer_from_tar",
    "path_stat",
    "path_stat_header",
    "tar_of_view",
    "union_of",
]
