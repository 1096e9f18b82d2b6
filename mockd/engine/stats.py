"""``GET /containers/{id}/stats``: dockerd's stats document from what programs report.

The figures come from the container's process table: the CPU time is what
the runner measured running the programs' steps (a busy loop is busy, a
``sleep`` idle) plus what they report, kept for ended processes too, as a
cgroup's ``cpuacct`` keeps it; memory is what each program reports
(``ProgramContext.report_usage``) plus a small base per process
(``ContainerProcess.usage()``).  The host's CPU time advances with the wall
clock on every online CPU, so the CLI's percentage is the share of one CPU.  The document has the
shape dockerd 20.10 sends on cgroup v1 (the ``stats`` keys of the memory
controller, per-CPU usage), which is what the docker CLI and docker-py read.
A stopped container gets dockerd's empty document: zero times, ``null``
blkio lists, empty ``pids_stats`` and ``memory_stats``, no ``networks``.

The document is plain data rather than ``ContainerStatsResponse``: dockerd
sends ``null`` lists and zero counters that a Struct with ``omit_defaults``
would drop, and clients tell a stopped container from a running one by them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockd.engine.clock import NANOS, ZERO_TIME, rfc3339_nano_fixed

# The host's CPU time is the elapsed time on every CPU; this start keeps it
# looking like a host that has been up a while (dockerd reads /proc/stat).
_SYSTEM_CPU_BASE_NS = 3_600 * NANOS

_BLKIO_KEYS = (
    "io_service_bytes_recursive", "io_serviced_recursive", "io_queue_recursive",
    "io_service_time_recursive", "io_wait_time_recursive", "io_merged_recursive",
    "io_time_recursive", "sectors_recursive",
)  # fmt: skip

# cgroup v1 ``memory.stat`` keys dockerd copies into ``memory_stats.stats``.
_MEMORY_STAT_KEYS = (
    "active_anon", "active_file", "cache", "dirty", "hierarchical_memory_limit",
    "hierarchical_memsw_limit", "inactive_anon", "inactive_file", "mapped_file", "pgfault",
    "pgmajfault", "pgpgin", "pgpgout", "rss", "rss_huge", "total_active_anon",
    "total_active_file", "total_cache", "total_dirty", "total_inactive_anon",
    "total_inactive_file", "total_mapped_file", "total_pgfault", "total_pgmajfault",
    "total_pgpgin", "total_pgpgout", "total_rss", "total_rss_huge", "total_unevictable",
    "total_writeback", "unevictable", "writeback",
)  # fmt: skip

# What cgroup v1 reports for "no limit" (PAGE_COUNTER_MAX pages, in bytes).
_CGROUP_UNLIMITED = 9223372036854771712


@dataclass(frozen=True)
class Sample:
    """One reading of a running container."""

    read_ns: int  # wall-clock time of the reading
    cpu_ns: int  # the container's CPU time so far
    system_ns: int  # the host's CPU time so far (every CPU)
    memory_bytes: int
    max_memory_bytes: int
    pids: int


def take_sample(
    *,
    now_ns: int,
    monotonic: float,
    cpu_seconds: float,
    memory_bytes: int,
    max_memory_bytes: int,
    pids: int,
    ncpu: int,
) -> Sample:
    return Sample(
        read_ns=now_ns,
        cpu_ns=round(cpu_seconds * NANOS),
        system_ns=_SYSTEM_CPU_BASE_NS + round(monotonic * NANOS) * max(ncpu, 1),
        memory_bytes=memory_bytes,
        max_memory_bytes=max(memory_bytes, max_memory_bytes),
        pids=pids,
    )


def _throttling() -> dict[str, int]:
    return {"periods": 0, "throttled_periods": 0, "throttled_time": 0}


def _empty_cpu() -> dict[str, Any]:
    return {
        "cpu_usage": {"total_usage": 0, "usage_in_kernelmode": 0, "usage_in_usermode": 0},
        "throttling_data": _throttling(),
    }


def _cpu(sample: Sample, ncpu: int) -> dict[str, Any]:
    ncpu = max(ncpu, 1)
    # Spread the time over the CPUs as a scheduler would, the remainder on CPU 0.
    share, rest = divmod(sample.cpu_ns, ncpu)
    percpu = [share + (rest if i == 0 else 0) for i in range(ncpu)]
    # The mock measures one CPU figure; a tenth of it is kernel time, as for
    # a typical busybox workload (dockerd reports these in 10 ms ticks).
    kernel = (sample.cpu_ns // 10) // 10_000_000 * 10_000_000
    user = (sample.cpu_ns - kernel) // 10_000_000 * 10_000_000
    return {
        "cpu_usage": {
            "total_usage": sample.cpu_ns,
            "percpu_usage": percpu,
            "usage_in_kernelmode": kernel,
            "usage_in_usermode": user,
        },
        "system_cpu_usage": sample.system_ns,
        "online_cpus": ncpu,
        "throttling_data": _throttling(),
    }


def _memory(sample: Sample, limit: int, cgroup_limit: int) -> dict[str, Any]:
    stats = dict.fromkeys(_MEMORY_STAT_KEYS, 0)
    stats["rss"] = stats["total_rss"] = sample.memory_bytes
    stats["active_anon"] = stats["total_active_anon"] = sample.memory_bytes
    stats["hierarchical_memory_limit"] = cgroup_limit
    stats["hierarchical_memsw_limit"] = cgroup_limit
    return {
        "usage": sample.memory_bytes,
        "max_usage": sample.max_memory_bytes,
        "stats": stats,
        "limit": limit,
    }


def _network() -> dict[str, int]:
    # The mock moves no packets.
    keys = [
        f"{way}_{what}"
        for way in ("rx", "tx")
        for what in ("bytes", "packets", "errors", "dropped")
    ]
    return dict.fromkeys(keys, 0)


def stopped_document(container_id: str, name: str) -> dict[str, Any]:
    """What dockerd sends for a container that is not running."""
    return {
        "read": ZERO_TIME,
        "preread": ZERO_TIME,
        "pids_stats": {},
        "blkio_stats": dict.fromkeys(_BLKIO_KEYS),
        "num_procs": 0,
        "storage_stats": {},
        "cpu_stats": _empty_cpu(),
        "precpu_stats": _empty_cpu(),
        "memory_stats": {},
        "name": name,
        "id": container_id,
    }


def running_document(
    container_id: str,
    name: str,
    current: Sample,
    previous: Sample | None,
    *,
    memory_limit: int,
    host_memory: int,
    ncpu: int,
    networked: bool = True,
) -> dict[str, Any]:
    """dockerd's document for a running container; ``previous`` fills ``pre*`` (a stream's last)."""
    limit = memory_limit if memory_limit > 0 else host_memory
    doc: dict[str, Any] = {
        "read": rfc3339_nano_fixed(current.read_ns),
        "preread": rfc3339_nano_fixed(previous.read_ns) if previous else ZERO_TIME,
        "pids_stats": {"current": current.pids},
        "blkio_stats": {key: [] for key in _BLKIO_KEYS},
        "num_procs": 0,
        "storage_stats": {},
        "cpu_stats": _cpu(current, ncpu),
        "precpu_stats": _cpu(previous, ncpu) if previous else _empty_cpu(),
        "memory_stats": _memory(
            current, limit, memory_limit if memory_limit > 0 else _CGROUP_UNLIMITED
        ),
        "name": name,
        "id": container_id,
    }
    if networked:
        doc["networks"] = {"eth0": _network()}
    return doc
