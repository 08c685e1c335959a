"""Linear and NIN (issue 4): forward + backward through the modules against numpy doing the
same products (and PyTorch when installed), float32 unless the row says f64.

Rows and their bars (ratio = our time / anchor time, same run):
- ``linear fwd+bwd 1024x4096->4096``      <= 1.10x ``numpy_3mm`` (the three matmuls only)
- ``linear fwd 64x256->128``              <= 1.30x ``numpy`` (``x @ W.T + b``)
- ``nin NHWC fwd+bwd 32x28x28x256->512``   <= 1.10x ``numpy`` (single-GEMM form)
- ``nin NCHW fwd+bwd 32x256x28x28->512``   <= 1.15x ``numpy`` (batched ``matmul`` form)
- ``linear f64 fwd+bwd 256x1024->1024``    <= 1.10x ``numpy``
plus ``nin NCHW via transposed view`` (the alternative NCHW strategy, for the record).

Each function is timed in its own block (median), the sequence of blocks twice, keeping
the better median, so a load change on a shared machine does not decide a ratio.  BLAS
(numpy's and scipy's OpenBLAS) is limited to ``ctx.threads`` through threadpoolctl when it
is installed.
"""
import contextlib
import time

import numpy as np

try:
    from ._harness import measure, row
except ImportError:  # run as a script or imported from the benchmarks directory
    from _harness import measure, row

import bigdl_py
from bigdl_py import Tensor, _linear
from bigdl_py.nn import NIN, Linear


def _blas_threads(n):
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=n, user_api="blas")


def _paired(fns, rounds, passes=2):
    """Seconds of each fn: the median of ``rounds`` calls measured in a block per fn (after
    a pause, so the previous block's BLAS threads are asleep: numpy and scipy each own an
    OpenBLAS pool whose idle workers spin ~0.1 s after a call and would slow the next
    block), the block sequence repeated ``passes`` times, keeping each fn's best median."""
    best = {}
    for _ in range(passes):
        for k, f in fns.items():
            time.sleep(0.2)
            t = measure(f, repeats=rounds, warmup=1)
            best[k] = min(best.get(k, t), t)
    return best


def _loop(fn, n):
    def run():
        for _ in range(n):
            fn()
    return run


def _rand(shape, dtype, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _module_step(m, x, g):
    xt, gt = Tensor.from_numpy(x), Tensor.from_numpy(g)

    def step():  # Tensors in: the module's buffers are reused, as in a training loop
        m.forward(xt)
        m.backward(xt, gt)
    return step


def _torch_linear(torch, x, g, w, b):
    lin = torch.nn.Linear(w.shape[1], w.shape[0]).to(torch.from_numpy(x).dtype)
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(w))
        lin.bias.copy_(torch.from_numpy(b))
    xt = torch.from_numpy(x).requires_grad_()
    gt = torch.from_numpy(g)

    def step():
        xt.grad = None
        lin(xt).backward(gt)
    return step


def _torch_conv(torch, x_nchw, g_nchw, w, b, channels_last):
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    xt = torch.from_numpy(x_nchw).contiguous(memory_format=fmt).requires_grad_()
    gt = torch.from_numpy(g_nchw).contiguous(memory_format=fmt)
    wt = torch.from_numpy(w).reshape(w.shape + (1, 1)).contiguous(memory_format=fmt)
    wt.requires_grad_()
    bt = torch.from_numpy(b).requires_grad_()

    def step():
        xt.grad = wt.grad = bt.grad = None
        torch.nn.functional.conv2d(xt, wt, bt).backward(gt)
    return step


def _linear_rows(ctx, name, batch, fin, fout, dtype, rounds, anchor_3mm):
    x, g = _rand((batch, fin), dtype, 1), _rand((batch, fout), dtype, 2)
    m = Linear(fin, fout, dtype=dtype)
    w, b = m.weight, m.bias
    fns = {"ours": _module_step(m, x, g)}
    if anchor_3mm:
        fns["numpy_3mm"] = lambda: (x @ w.T, g @ w, g.T @ x)
    fns["numpy"] = lambda: (x @ w.T + b, g @ w, g.T @ x, g.sum(0))
    if ctx.torch is not None:
        fns["torch"] = _torch_linear(ctx.torch, x, g, w, b)
    t = _paired(fns, rounds)
    flops = 6.0 * batch * fin * fout
    return row(name, ctx.threads, t.pop("ours"), flops=flops, **t)


def _linear_forward_row(ctx, batch, fin, fout, rounds, inner):
    x = _rand((batch, fin), np.float32, 3)
    m = Linear(fin, fout)
    w, b = m.weight, m.bias
    fns = {"ours": _loop(lambda: m.forward(x), inner),
           "numpy": _loop(lambda: x @ w.T + b, inner)}
    if ctx.torch is not None:
        torch = ctx.torch
        lin = torch.nn.Linear(fin, fout)
        xt = torch.from_numpy(x)

        def tfwd():
            with torch.no_grad():
                lin(xt)
        fns["torch"] = _loop(tfwd, inner)
    t = {k: v / inner for k, v in _paired(fns, rounds).items()}
    return row(f"linear fwd {batch}x{fin}->{fout} (per call)", ctx.threads, t.pop("ours"),
               flops=2.0 * batch * fin * fout, **t)


def _nin_rows(ctx, n, c, h, wd, o, rounds):
    s = h * wd
    x = _rand((n, c, h, wd), np.float32, 4)
    g = _rand((n, o, h, wd), np.float32, 5)
    xh, gh = np.ascontiguousarray(x.transpose(0, 2, 3, 1)), np.ascontiguousarray(
        g.transpose(0, 2, 3, 1))
    mc, mh = NIN(c, o), NIN(c, o, data_format="NHWC")
    mh.set_weights(mc.get_weights())
    w, b = mc.weight, mc.bias
    x3, g3 = x.reshape(n, c, s), g.reshape(n, o, s)
    x2, g2 = xh.reshape(n * s, c), gh.reshape(n * s, o)
    flops = 6.0 * n * s * c * o

    def np_nhwc():
        return x2 @ w.T + b, g2 @ w, g2.T @ x2, g2.sum(0)

    def np_nchw():
        return (w @ x3 + b[:, None], w.T @ g3, np.matmul(g3, x3.transpose(0, 2, 1)).sum(0),
                g3.sum((0, 2)))

    gw, gb = np.zeros_like(w), np.zeros_like(b)

    def transposed_view():  # the alternative NCHW strategy: transpose, one GEMM, transpose
        nt = bigdl_py.get_num_threads()
        xt = np.ascontiguousarray(x3.transpose(0, 2, 1)).reshape(n * s, c)
        gt = np.ascontiguousarray(g3.transpose(0, 2, 1)).reshape(n * s, o)
        out, gi = np.empty((n * s, o), np.float32), np.empty((n * s, c), np.float32)
        _linear.linear_forward(xt, w, b, out, 1, nt)
        out = np.ascontiguousarray(out.reshape(n, s, o).transpose(0, 2, 1))
        _linear.linear_grad_input(gt, w, gi)
        gi = np.ascontiguousarray(gi.reshape(n, s, c).transpose(0, 2, 1))
        _linear.linear_acc_grad(xt, gt, gw, gb, 1.0, 1.0, 1, nt)
        return out, gi

    fns = {"nhwc": _module_step(mh, xh, gh), "nchw": _module_step(mc, x, g),
           "nchw_transposed": transposed_view, "numpy_nhwc": np_nhwc, "numpy_nchw": np_nchw}
    if ctx.torch is not None:
        fns["torch_nhwc"] = _torch_conv(ctx.torch, x, g, w, b, True)
        fns["torch_nchw"] = _torch_conv(ctx.torch, x, g, w, b, False)
    t = _paired(fns, rounds)
    tag = f"{n}x{c}x{h}x{wd}->{o}"
    nhwc = {"numpy": t["numpy_nhwc"]}
    nchw = {"numpy": t["numpy_nchw"]}
    if ctx.torch is not None:
        nhwc["torch"], nchw["torch"] = t["torch_nhwc"], t["torch_nchw"]
    return [row(f"nin NHWC fwd+bwd {tag}", ctx.threads, t["nhwc"], flops=flops, **nhwc),
            row(f"nin NCHW fwd+bwd {tag}", ctx.threads, t["nchw"], flops=flops, **nchw),
            row(f"nin NCHW via transposed view {tag}", ctx.threads, t["nchw_transposed"],
                flops=flops, ours_batched=t["nchw"], **nchw)]


def run(ctx):
    """Rows for every bar of issue 4 (small shapes and few rounds under ``ctx.quick``)."""
    bigdl_py.set_num_threads(ctx.threads)
    if ctx.torch is not None:
        ctx.torch.set_num_threads(ctx.threads)
    q = ctx.quick
    with _blas_threads(ctx.threads):
        return [
            _linear_rows(ctx, "linear fwd+bwd " + ("64x256->256" if q else "1024x4096->4096"),
                         *((64, 256, 256) if q else (1024, 4096, 4096)), np.float32,
                         2 if q else 7, True),
            _linear_forward_row(ctx, 64, 256, 128, 3 if q else 30, 10 if q else 50),
            *_nin_rows(ctx, *((2, 16, 8, 8, 32) if q else (32, 256, 28, 28, 512)),
                       2 if q else 7),
            _linear_rows(ctx, "linear f64 fwd+bwd " + ("32x128->128" if q else
                                                       "256x1024->1024"),
                         *((32, 128, 128) if q else (256, 1024, 1024)), np.float64,
                         2 if q else 15, False),
        ]


if __name__ == "__main__":  # python benchmarks/bench_linear.py [--quick] [--threads N]
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
    for r in run(types.SimpleNamespace(quick=a.quick, threads=a.threads, torch=torch)):
        ratios = "  ".join(f"{k} {v:.3f}x" for k, v in r["ratios"].items())
        print(f"{r['name']:<48} {r['ms']:9.3f} ms {r.get('gflops', 0):7.1f} GF/s  {ratios}")
