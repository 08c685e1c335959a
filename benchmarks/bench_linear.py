"""Linear and NIN (issue 4): forward + backward through the modules against numpy doing the
same products (and PyTorch when installed), float32 unless the row says f64.

Bars (2 threads; ``bar`` in each row is our time / the anchor's, same run):
- ``linear fwd+bwd 1024x4096->4096``      <= 1.10 x ``numpy_3mm`` (the three matmuls only)
- ``linear fwd 64x256->128``              <= 1.30 x ``numpy`` (``x @ W.T + b``)
- ``nin NHWC fwd+bwd 32x28x28x256->512``   <= 1.10 x ``numpy`` (single-GEMM form)
- ``nin NCHW fwd+bwd 32x256x28x28->512``   <= 1.15 x ``numpy`` (batched ``matmul`` form)
- ``linear f64 fwd+bwd 256x1024->1024``    <= 1.10 x ``numpy``
plus ``nin NCHW one GEMM per sample`` (the NCHW strategy NIN does not use, for the record:
NIN copies (N, C, S) to (C, N*S) and runs one GEMM per product instead).  Layers get
Tensors (the training-loop use: output buffers are reused).

Each function is timed in its own block (median), the sequence of blocks twice, keeping
the better median, so a load change on a shared machine does not decide a ratio.  BLAS
(numpy's and scipy's OpenBLAS) is limited to ``ctx.threads`` through threadpoolctl when it
is installed.  Run: ``python benchmarks/run.py --only linear --threads 2``.
"""
import contextlib
import time

import numpy as np

try:
    from ._harness import measure, row
except ImportError:  # run as a script or imported from the benchmarks directory
    from _harness import measure, row

import bigdl_py
import bigdl_py.nn.nin as nin_module
from bigdl_py import Tensor
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


def _bar(r, anchor_seconds, limit, what):
    """Attach the issue's bar: our time / the anchor's time against ``limit``."""
    value = r["ms"] / 1e3 / anchor_seconds
    r["bar"] = {"what": what, "value": value, "limit": limit, "ok": bool(value <= limit)}
    return r


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
    r = row(name, ctx.threads, t.pop("ours"), flops=flops, **t)
    return _bar(r, t["numpy_3mm" if anchor_3mm else "numpy"], 1.10,
                "our time / numpy_3mm" if anchor_3mm else "our time / numpy")


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
    r = row(f"linear fwd {batch}x{fin}->{fout} (per call)", ctx.threads, t.pop("ours"),
            flops=2.0 * batch * fin * fout, **t)
    return _bar(r, t["numpy"], 1.30, "our time / numpy")


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

    nchw_step = _module_step(mc, x, g)

    def per_sample():  # the alternative NCHW strategy of bigdl_py._nin: a GEMM per sample
        nin_module.NCHW_SWAP = False
        try:
            nchw_step()
        finally:
            nin_module.NCHW_SWAP = True

    fns = {"nhwc": _module_step(mh, xh, gh), "nchw": nchw_step, "nchw_per_sample": per_sample,
           "numpy_nhwc": np_nhwc, "numpy_nchw": np_nchw}
    if ctx.torch is not None:
        fns["torch_nhwc"] = _torch_conv(ctx.torch, x, g, w, b, True)
        fns["torch_nchw"] = _torch_conv(ctx.torch, x, g, w, b, False)
    t = _paired(fns, rounds)
    tag = f"{n}x{c}x{h}x{wd}->{o}"
    nhwc = {"numpy": t["numpy_nhwc"]}
    nchw = {"numpy": t["numpy_nchw"]}
    if ctx.torch is not None:
        nhwc["torch"], nchw["torch"] = t["torch_nhwc"], t["torch_nchw"]
    return [_bar(row(f"nin NHWC fwd+bwd {tag}", ctx.threads, t["nhwc"], flops=flops, **nhwc),
                 t["numpy_nhwc"], 1.10, "our time / numpy single-GEMM form"),
            _bar(row(f"nin NCHW fwd+bwd {tag}", ctx.threads, t["nchw"], flops=flops, **nchw),
                 t["numpy_nchw"], 1.15, "our time / numpy batched matmul form"),
            row(f"nin NCHW one GEMM per sample {tag}", ctx.threads, t["nchw_per_sample"],
                flops=flops, ours_swap=t["nchw"], **nchw)]


def run(ctx):
    """Rows for every bar of issue 4 (small shapes and few rounds under ``ctx.quick``)."""
    bigdl_py.set_num_threads(ctx.threads)
    if ctx.torch is not None:
        ctx.torch.set_num_threads(ctx.threads)
    q, reps = ctx.quick, getattr(ctx, "repeats", 7)
    big = (64, 256, 256) if q else (1024, 4096, 4096)
    nin = (2, 16, 8, 8, 32) if q else (32, 256, 28, 28, 512)
    f64 = (32, 128, 128) if q else (256, 1024, 1024)
    with _blas_threads(ctx.threads):
        return [
            _linear_rows(ctx, "linear fwd+bwd {}x{}->{}".format(*big), *big, np.float32,
                         reps, True),
            _linear_forward_row(ctx, 64, 256, 128, reps if q else 4 * reps, 10 if q else 50),
            *_nin_rows(ctx, *nin, reps),
            _linear_rows(ctx, "linear f64 fwd+bwd {}x{}->{}".format(*f64), *f64, np.float64,
                         reps if q else 2 * reps, False),
        ]
