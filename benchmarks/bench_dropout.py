"""Dropout family: Dropout, SpatialDropout2D (NCHW and NHWC), GaussianDropout and
GaussianNoise against a copy of the same bytes, numpy and PyTorch, in the same run.

Bars (float32, 2 threads; ``bar`` in each row is our time / the anchor's):
- Dropout(0.5) training forward 4096x4096 <= 4x copy; backward <= 1.5x copy;
- SpatialDropout2D forward and backward 64x256x56x56, NCHW and NHWC <= 1.3x copy;
- GaussianDropout / GaussianNoise forward 4096x4096 <= 1/3 of torch's
  ``x * (1 + s*randn)`` / ``x + s*randn`` (without torch: <= 1/4 of numpy's);
- Dropout forward on 64x256: <= 25 us per call (median);
- state kept after a training forward on 2**24 float32: <= 2 MiB (Gaussian <= 4 KiB).
Layers get Tensors (BigDL's training-loop use: output buffers are reused); one row shows
an ndarray input (a fresh output array per call) for comparison.
"""
import numpy as np

from _harness import copy_anchor, measure, row

import bigdl_py
from bigdl_py import RNG, Tensor
from bigdl_py.nn import Dropout, GaussianDropout, GaussianNoise, SpatialDropout2D

P = 0.5
SIGMA = 1.0  # GaussianDropout(0.5) noise standard deviation; GaussianNoise uses it too


def _bar(r, anchor_seconds, limit, what):
    """Attach the bar: our time / anchor time (or the absolute value) against ``limit``."""
    value = r["ms"] / 1e3 / anchor_seconds if anchor_seconds else r["ms"] / 1e3
    r["bar"] = {"what": what, "value": value, "limit": limit, "ok": bool(value <= limit)}
    return r


def _train_pair(m, x, g):
    """(forward, backward) callables on Tensors, the module in training mode."""
    xt, gt = Tensor.from_numpy(x), Tensor.from_numpy(g)
    m.training()
    m.forward(xt)
    return (lambda: m.forward(xt)), (lambda: m.backward(xt, gt))


def _dropout_rows(ctx, reps, torch):
    n1 = 512 if ctx.quick else 4096
    x = np.random.default_rng(0).standard_normal((n1, n1), dtype=np.float32)
    g = np.ones_like(x)
    copy_s = copy_anchor(x.nbytes, ctx.threads, torch, reps)
    rows = [row(f"copy f32 {n1}x{n1}", ctx.threads, copy_s, 2 * x.nbytes)]
    m = Dropout(P)
    fwd, bwd = _train_pair(m, x, g)
    t_fwd = t_bwd = None
    if torch is not None:
        xt, gt = torch.from_numpy(x), torch.from_numpy(g)
        t_fwd = measure(lambda: torch.nn.functional.dropout(xt, P, training=True), reps)
        _, mask = torch.ops.aten.native_dropout(xt, P, True)
        t_bwd = measure(lambda: torch.ops.aten.native_dropout_backward(gt, mask, 1 / (1 - P)), reps)
    rows.append(_bar(row(f"Dropout(0.5) fwd {n1}x{n1}", ctx.threads, measure(fwd, reps),
                         2 * x.nbytes, copy=copy_s, torch=t_fwd), copy_s, 4.0, "x copy"))
    rows.append(_bar(row(f"Dropout(0.5) bwd {n1}x{n1}", ctx.threads, measure(bwd, reps),
                         2 * x.nbytes, copy=copy_s, torch=t_bwd), copy_s, 1.5, "x copy"))
    nd = Dropout(P)
    rows.append(row(f"Dropout(0.5) fwd {n1}x{n1} ndarray in (fresh output)", ctx.threads,
                    measure(lambda: nd.forward(x), reps), 2 * x.nbytes, copy=copy_s))
    # per-call overhead on a small batch (ndarray in, as a BigDL Python user calls it)
    xs = x[:64, :256].copy()
    small = Dropout(P)
    t_small = measure(lambda: small.forward(xs), 40 if ctx.quick else 2000, 20)
    t_torch = None
    if torch is not None:
        ts = torch.from_numpy(xs)
        t_torch = measure(lambda: torch.nn.functional.dropout(ts, P, training=True),
                          40 if ctx.quick else 2000, 20)
    rows.append(_bar(row("Dropout(0.5) fwd 64x256 per call", ctx.threads, t_small,
                         torch=t_torch), None, 25e-6, "seconds"))
    return rows, x, copy_s


def _spatial_rows(ctx, reps, torch):
    shape = (4, 32, 28, 28) if ctx.quick else (64, 256, 56, 56)
    x = np.random.default_rng(1).standard_normal(shape, dtype=np.float32)
    g = np.ones_like(x)
    copy_s = copy_anchor(x.nbytes, ctx.threads, torch, reps)
    tag = "x".join(map(str, shape))
    rows = [row(f"copy f32 {tag}", ctx.threads, copy_s, 2 * x.nbytes)]
    for fmt in ("NCHW", "NHWC"):
        xf = x if fmt == "NCHW" else x.reshape(shape[0], shape[2], shape[3], shape[1])
        fwd, bwd = _train_pair(SpatialDropout2D(P, fmt), xf, g.reshape(xf.shape))
        t_fwd = t_bwd = None
        if torch is not None:  # F.dropout2d: a (N, C, 1, 1) mask broadcast over H, W
            xt = torch.from_numpy(x)
            if fmt == "NHWC":
                xt = xt.contiguous(memory_format=torch.channels_last)
            gt = torch.ones_like(xt)
            noise = torch.empty(shape[0], shape[1], 1, 1).bernoulli_(1 - P).div_(1 - P)
            t_fwd = measure(lambda: torch.nn.functional.dropout2d(xt, P, training=True), reps)
            t_bwd = measure(lambda: gt * noise, reps)
        for what, fn, t_anchor in (("fwd", fwd, t_fwd), ("bwd", bwd, t_bwd)):
            rows.append(_bar(row(f"SpatialDropout2D {what} {fmt} {tag}", ctx.threads,
                                 measure(fn, reps), 2 * x.nbytes, copy=copy_s, torch=t_anchor),
                             copy_s, 1.3, "x copy"))
    return rows


def _gaussian_rows(ctx, reps, torch, x, copy_s):
    rows = []
    rng = np.random.default_rng(2)
    cases = (("GaussianDropout(0.5)", GaussianDropout(0.5), True),
             ("GaussianNoise(1.0)", GaussianNoise(SIGMA), False))
    for name, m, mul in cases:
        fwd, _ = _train_pair(m, x, x)
        def np_fn(mul=mul):
            e = SIGMA * rng.standard_normal(x.shape, dtype=np.float32)
            return x * (1 + e) if mul else x + e
        t_np = measure(np_fn, reps)
        t_torch = None
        if torch is not None:
            xt = torch.from_numpy(x)
            if mul:
                t_torch = measure(lambda: xt * (1 + SIGMA * torch.randn_like(xt)), reps)
            else:
                t_torch = measure(lambda: xt + SIGMA * torch.randn_like(xt), reps)
        r = row(f"{name} fwd {x.shape[0]}x{x.shape[1]}", ctx.threads, measure(fwd, reps),
                2 * x.nbytes, copy=copy_s, numpy=t_np, torch=t_torch)
        if t_torch is not None:
            rows.append(_bar(r, t_torch, 1 / 3, "x torch"))
        else:
            rows.append(_bar(r, t_np, 1 / 4, "x numpy"))
    return rows


def _state_rows(ctx):
    n = 2 ** 18 if ctx.quick else 2 ** 24
    x = np.ones(n, np.float32)
    rows = []
    for name, m, limit in (("Dropout(0.5)", Dropout(P), 2 * 2 ** 20),
                           ("SpatialDropout2D(0.5)", SpatialDropout2D(P), 2 * 2 ** 20),
                           ("GaussianDropout(0.5)", GaussianDropout(0.5), 4096)):
        xx = x.reshape(16, 64, -1, 16) if isinstance(m, SpatialDropout2D) else x
        seconds = measure(lambda: m.forward(xx), 1, 0)
        r = row(f"{name} state bytes after fwd on {n} f32", ctx.threads, seconds)
        r["state_bytes"] = m._state_nbytes()
        r["bar"] = {"what": "bytes", "value": r["state_bytes"], "limit": limit,
                    "ok": r["state_bytes"] <= limit if n == 2 ** 24 else None}
        rows.append(r)
    return rows


def run(ctx):
    torch = ctx.torch
    reps = getattr(ctx, "repeats", None) or (3 if ctx.quick else 7)
    bigdl_py.set_num_threads(ctx.threads)
    if torch is not None:
        torch.set_num_threads(ctx.threads)
    saved = RNG.algorithm()
    try:
        RNG.set_algorithm("philox")
        rows, x, copy_s = _dropout_rows(ctx, reps, torch)
        rows += _gaussian_rows(ctx, reps, torch, x, copy_s)
        del x
        rows += _spatial_rows(ctx, reps, torch)
        rows += _state_rows(ctx)
    finally:
        RNG.set_algorithm(saved)
    return rows


def _main():
    """Standalone: ``python benchmarks/bench_dropout.py [--quick] [--threads 2]``."""
    import argparse
    import types
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
    rows = run(types.SimpleNamespace(quick=a.quick, threads=a.threads, torch=torch))
    print(f"{'name':58} {'thr':>3} {'ms':>9} {'GB/s':>6}  bar")
    for r in rows:
        b = r.get("bar")
        bar = "" if b is None else (f"{b['value']:.3g} {b['what']} (limit {b['limit']:.3g}) "
                                    f"{'ok' if b['ok'] else '-' if b['ok'] is None else 'MISSED'}")
        extra = f" state={r['state_bytes']}B" if "state_bytes" in r else ""
        print(f"{r['name']:58} {r['threads']:>3} {r['ms']:9.3f} {r.get('gbps', 0):6.2f}  "
              f"{bar}{extra}")


if __name__ == "__main__":
    _main()
