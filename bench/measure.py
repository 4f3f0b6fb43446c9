"""Measuring one child process for pullkeeper's benchmarks: wall time, CPU time and the
child's own peak RSS, with a timeout. Shared by sync_bench.py and doctor_bench.py.

The trap it exists for: ru_maxrss from os.wait4 on a child that this (large) Python process
spawned is at least this process's RSS, because Linux folds the pre-exec address space's
high-water mark into the child's maxrss at exec (a 60 MB parent makes /bin/true "use" 60 MB).
So the child is started by GNU time, a ~1 MB process, which reports the clean ru_maxrss of its
own child. Without /usr/bin/time, VmHWM of the child's fresh post-exec address space is
sampled every 2 ms until exit (a peak in the last 2 ms may be missed). CPU time from wait4's
rusage is clean either way. Output goes to files so the child never blocks on a full pipe.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

GNU_TIME = Path("/usr/bin/time")


class BenchFailure(Exception):
    """A correctness fact did not hold, or a run failed; the message says which and where."""


@dataclass
class Measured:
    returncode: int
    wall_seconds: float
    cpu_seconds: float  # user + system, all threads
    max_rss_kib: int


def _has_gnu_time() -> bool:
    return GNU_TIME.is_file() and os.access(GNU_TIME, os.X_OK)


def rss_method() -> str:
    if _has_gnu_time():
        return "GNU time %M (ru_maxrss of a child forked by a 1 MB process)"
    return "VmHWM of /proc/PID/status, sampled every 2 ms (no /usr/bin/time)"


def read_vm_hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_measured(argv: list[str], env: Mapping[str, str], stdout_path: Path | str,
                 stderr_path: Path, timeout: float) -> Measured:
    """Runs argv with its output in the two files; raises BenchFailure after `timeout`."""
    use_time = _has_gnu_time()
    rss_path = Path(str(stderr_path) + ".maxrss")
    command = [str(GNU_TIME), "-f", "%M", "-o", str(rss_path), *argv] if use_time else argv
    sampled_hwm_kib = 0
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=dict(env), stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=err)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid == process.pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                raise BenchFailure(f"{Path(argv[0]).name} did not finish in {timeout:.0f} s")
            if not use_time:
                sampled_hwm_kib = max(sampled_hwm_kib, read_vm_hwm_kib(process.pid))
            # Polling costs at most this much accuracy; a blocking wait4 cannot time out.
            time.sleep(0.002)
        wall = time.perf_counter() - started
    if use_time:
        # "Command exited with non-zero status N" may precede the number.
        words = rss_path.read_text().split()
        max_rss = int(words[-1]) if words and words[-1].isdigit() else 0
    else:
        max_rss = sampled_hwm_kib
    return Measured(os.waitstatus_to_exitcode(status), wall, usage.ru_utime + usage.ru_stime,
                    max_rss)


def format_mb(kib: int) -> str:
    return f"{kib * 1024 / 1e6:.1f} MB"
