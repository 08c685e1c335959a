"""Random fills: bigdl_py's Philox uniform/normal/Bernoulli against numpy's Generator
(PCG64 and Philox), torch.rand/randn/bernoulli_ and a copy of the same bytes, all in the
same run; plus the baseline (non-AVX2) Philox path and the serial BigDL-MT19937 mode.

Bars (float32, 2**24 elements, 2 threads): uniform >= 3x numpy PCG64
``random(dtype=float32)``, normal >= 3x numpy PCG64 ``standard_normal(dtype=float32)``,
2 threads >= 1.7x 1 thread (the "vs 1 thread" column: the same fill on one thread, timed
alternately with it).  GB/s counts the bytes written (the copy row: read + written).
"""
import time
import statistics

import numpy as np

from _harness import copy_anchor, measure, row

import bigdl_py
from bigdl_py import RNG, _testing

P = 0.5  # Bernoulli probability


def _numpy_anchors(kind, out, repeats):
    """{anchor: seconds} of numpy's equivalent fill of ``out`` (PCG64 and Philox)."""
    res = {}
    for label, bitgen in (("np_pcg64", np.random.PCG64), ("np_philox", np.random.Philox)):
        g = np.random.Generator(bitgen(12345))
        if kind == "uniform":
            fn = lambda: g.random(out=out, dtype=out.dtype)  # noqa: E731
        elif kind == "normal":
            fn = lambda: g.standard_normal(out=out, dtype=out.dtype)  # noqa: E731
        else:
            fn = lambda: np.less(g.random(out=out, dtype=out.dtype), P, out=out)  # noqa: E731
        res[label] = measure(fn, repeats)
    return res


def _torch_anchor(kind, torch, n, dtype, repeats):
    if torch is None:
        return None
    t = torch.empty(n, dtype=torch.float32 if dtype == np.float32 else torch.float64)
    if kind == "uniform":
        return measure(lambda: torch.rand(n, out=t), repeats)
    if kind == "normal":
        return measure(lambda: torch.randn(n, out=t), repeats)
    return measure(lambda: t.bernoulli_(P), repeats)


def _alternating(fn, threads, repeats):
    """Median seconds of ``fn`` at ``threads`` and at 1 thread, timed alternately so that
    both see the same machine load (it is shared and noisy).  Each timed call follows an
    untimed one at the same thread count, so the OpenMP team is already awake, as in
    back-to-back calls."""
    times = {threads: [], 1: []}
    for _ in range(repeats):
        for t in (threads, 1):
            bigdl_py.set_num_threads(t)
            fn()
            t0 = time.perf_counter()
            fn()
            times[t].append(time.perf_counter() - t0)
    bigdl_py.set_num_threads(threads)
    return statistics.median(times[threads]), statistics.median(times[1])


def _ours(kind, out):
    if kind == "uniform":
        return lambda: RNG.uniform_(out)
    if kind == "normal":
        return lambda: RNG.normal_(out)
    return lambda: RNG.bernoulli_(out, P)


def run(ctx):
    n = 2 ** 18 if ctx.quick else 2 ** 24
    t, torch, reps = ctx.threads, ctx.torch, ctx.repeats
    rows = []
    copy_s = copy_anchor(n * 4, t, torch, reps)
    rows.append(row(f"copy f32 n={n} ({'torch' if torch else 'numpy'})", t, copy_s, 2 * n * 4))
    saved = RNG.algorithm()
    try:
        RNG.set_algorithm("philox")
        for dtype, kinds in ((np.float32, ("uniform", "normal", "bernoulli")),
                             (np.float64, ("uniform", "normal"))):
            out = np.zeros(n, dtype)
            tag = "f32" if dtype == np.float32 else "f64"
            nbytes = out.nbytes
            for kind in kinds:
                anchors = _numpy_anchors(kind, out, reps)
                anchors["torch"] = _torch_anchor(kind, torch, n, dtype, reps)
                if dtype == np.float32:
                    anchors["copy"] = copy_s
                if t > 1:   # the thread-scaling anchor: this fill on 1 thread
                    ours, anchors["1 thread"] = _alternating(_ours(kind, out), t, reps)
                else:
                    ours = measure(_ours(kind, out), reps)
                rows.append(row(f"philox {kind} {tag}", t, ours, nbytes, **anchors))
                for a, s in anchors.items():
                    if s and a not in ("copy", "1 thread"):
                        rows.append(row(f"  anchor {a} {kind} {tag}", t, s, nbytes))
            if dtype == np.float32:   # the same fills on the baseline (non-AVX2) path
                _testing.set_simd(False)
                try:
                    for kind in ("uniform", "normal"):
                        rows.append(row(f"philox {kind} {tag} (baseline ISA)", t,
                                        measure(_ours(kind, out), reps), nbytes))
                finally:
                    _testing.set_simd(True)
        # BigDL's MT19937 mode: serial, exact numbers; any speed
        RNG.set_algorithm("mt19937")
        out = np.zeros(n, np.float32)
        for kind in ("uniform", "normal", "bernoulli"):
            rows.append(row(f"mt19937 {kind} f32", t, measure(_ours(kind, out), min(reps, 3), 1),
                            out.nbytes))
    finally:
        RNG.set_algorithm(saved)
    return rows


if __name__ == "__main__":
    import sys
    sys.exit("run it through benchmarks/run.py, e.g. python benchmarks/run.py --only random")
