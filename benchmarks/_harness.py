"""Shared timing helpers for benchmarks/run.py and the bench_*.py family modules.

A family module ``benchmarks/bench_<family>.py`` defines ``run(ctx) -> list[dict]``;
``ctx`` has ``quick`` (bool), ``threads`` (int), ``torch`` (the module or None) and
``repeats`` (timed repeats per measurement).  run.py has already set bigdl_py's and
torch's thread counts to ``ctx.threads``.
Each row is a dict: ``name``, ``threads``, ``ms`` (median), optional ``gbps``/``gflops``,
and ``ratios`` {anchor name: anchor time / our time} for anchors measured in the same
run, i.e. how many times faster than the anchor (> 1: faster).  Build rows with ``row``.
"""
import dataclasses
import gc
import statistics
import time

import numpy as np


@dataclasses.dataclass
class Context:
    quick: bool = False
    threads: int = 1
    torch: object = None
    repeats: int = 7


def measure(fn, repeats=7, warmup=2):
    """Median wall time of ``fn()`` in seconds after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    gc.disable()
    try:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return statistics.median(times)


def copy_anchor(nbytes, threads, torch=None, repeats=7):
    """Seconds to copy ``nbytes`` (the memory-bandwidth anchor): torch ``copy_`` at the same
    thread count when torch is installed, else ``np.copyto``."""
    n = nbytes // 4
    if torch is not None:
        torch.set_num_threads(threads)
        src = torch.ones(n, dtype=torch.float32)
        dst = torch.empty_like(src)
        return measure(lambda: dst.copy_(src), repeats)
    src = np.ones(n, np.float32)
    dst = np.empty_like(src)
    return measure(lambda: np.copyto(dst, src), repeats)


def row(name, threads, seconds, nbytes=None, flops=None, **anchors):
    """A result row; ``anchors`` maps anchor name -> anchor seconds (None: not measured).
    ``ratios`` are anchor seconds / our seconds: "x times faster than the anchor"."""
    r = {"name": name, "threads": threads, "ms": seconds * 1e3}
    if nbytes:
        r["gbps"] = nbytes / seconds / 1e9
    if flops:
        r["gflops"] = flops / seconds / 1e9
    r["ratios"] = {k: v / seconds for k, v in anchors.items() if v}
    return r
