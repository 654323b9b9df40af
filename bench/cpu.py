"""CPU time from /proc, for the steps that say how busy the machine and each of their processes were."""

from __future__ import annotations


def busy_ticks() -> int:
    """Clock ticks every CPU of the machine has spent busy since boot (0 without /proc)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [int(n) for n in stat.readline().split()[1:]]
    except OSError:
        return 0
    return sum(ticks) - ticks[3] - ticks[4]  # all but idle and iowait


def process_ticks(pid: int) -> int:
    """User and system clock ticks process `pid` has used so far (0 when it cannot be read)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()  # the command, in brackets, may hold spaces
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0
