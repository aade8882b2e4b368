"""Pick the inference precision at run time: bf16 where the CPU does it natively, else fp32.

bf16 matmuls are fast only with AMX or AVX512-BF16; elsewhere torch emulates them and they
are slower than fp32, so the choice depends on the machine, not on a setting in the repo.
`ANALYZE_PRECISION=fp32|bf16` overrides the detection.
"""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path

_BF16_FLAGS = ("amx_bf16", "avx512_bf16")


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


@functools.lru_cache(maxsize=1)
def cpu_supports_bf16() -> bool:
    if any(f in _cpu_flags() for f in _BF16_FLAGS):
        return True
    try:  # non-Linux: ask torch which ISA its kernels were dispatched for
        import torch

        cap = torch.backends.cpu.get_cpu_capability()
        return ("AVX512" in cap.upper() and "BF16" in cap.upper()) or "AMX" in cap.upper()
    except Exception:
        return False


def choose_precision() -> str:
    """ "bf16" or "fp32"."""
    forced = os.environ.get("ANALYZE_PRECISION", "").strip().lower()
    if forced in ("fp32", "float32"):
        return "fp32"
    if forced in ("bf16", "bfloat16"):
        return "bf16"
    return "bf16" if cpu_supports_bf16() else "fp32"


_IDLE_MEMO: dict[int, tuple[float, float | None]] = {}  # cores -> (when sampled, idle cores)
IDLE_MEMO_SECONDS = 10.0  # both models load within this: one sample serves both


def _idle_cores(cores: int, seconds: float = 0.2) -> float | None:
    """Cores idle right now: /proc/stat sampled twice (the 1-minute load average still counts the
    work that just finished, such as the import before a score)."""
    now = time.monotonic()
    memo = _IDLE_MEMO.get(cores)
    if memo is not None and now - memo[0] < IDLE_MEMO_SECONDS:
        return memo[1]
    idle = _sample_idle(cores, seconds)
    _IDLE_MEMO[cores] = (now, idle)
    return idle


def _sample_idle(cores: int, seconds: float) -> float | None:

    def sample():
        with open("/proc/stat") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, total

    try:
        idle0, total0 = sample()
        time.sleep(seconds)
        idle1, total1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    if total1 <= total0:
        return None
    return cores * (idle1 - idle0) / (total1 - total0)


def choose_threads() -> int | None:
    """torch threads for inference: ANALYZE_THREADS if set; None (leave torch alone) when
    OMP_NUM_THREADS is set; else the cores idle now (or, without /proc/stat, not busy by the
    1-minute load average), at least 1.

    On a loaded machine a 2-thread forward waits on its slower thread at every op: measured here
    on 2 busy cores, 1 thread ran 2.5x faster than 2.
    """
    forced = os.environ.get("ANALYZE_THREADS", "").strip()
    if forced.isdigit() and int(forced) > 0:
        return int(forced)
    if os.environ.get("OMP_NUM_THREADS"):
        return None
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    idle = _idle_cores(cores)
    if idle is None:
        try:
            idle = cores - os.getloadavg()[0]
        except OSError:
            return None
    return max(1, min(cores, int(idle + 0.5)))


def ready_for_inference(encoder, precision: str) -> None:
    """The encoder in `precision` ("bf16" casts its weights) and torch on choose_threads()."""
    import torch

    if precision == "bf16":
        encoder.to(torch.bfloat16)
    threads = choose_threads()
    if threads:
        torch.set_num_threads(threads)
