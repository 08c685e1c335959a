"""Convolutional layers (issue 11) against PyTorch eager on the same data, float32.

Bars (2 threads; ``bar`` in each row is our time / torch's, same run):
- ``conv fwd+bwd`` LeNet conv1 (128x1x28x28 -> 6, 5x5) and ResNet 3x3
  (32x64x56x56 -> 64, pad 1), NCHW and NHWC (torch channels_last)      <= 1.25
- ``maxpool fwd+bwd`` 2x2/2 and 3x3/2 (32x64x56x56), ``batchnorm train fwd+bwd``
  (32x64x56x56)                                                            <= 1.0
- ``lenet5 training step`` (batch 128: forward, ClassNLL, backward, SGD update) <= 0.8
Without torch the rows carry no bar.  Timing as bench_linear (blocks per function, the
sequence twice, the better median; BLAS limited to ``ctx.threads``).  ``--quick`` uses
small shapes.  Run: ``python benchmarks/run.py --only conv --threads 2``.
"""
import numpy as np

try:
    from ._harness import row
    from .bench_linear import _bar, _blas_threads, _module_step, _paired, _rand
except ImportError:  # run as a script or imported from the benchmarks directory
    from _harness import row
    from bench_linear import _bar, _blas_threads, _module_step, _paired, _rand

import bigdl_py
from bigdl_py.nn import (Linear, LogSoftMax, Reshape, Sequential, SpatialBatchNormalization,
                         SpatialConvolution, SpatialMaxPooling, Tanh)
from bigdl_py.nn.criterion import ClassNLLCriterion


def _nhwc(a):
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1))


def _torch_step(torch, module, x_nchw, g_nchw, channels_last):
    """fwd+bwd of a torch module in training mode on the same data (channels_last for NHWC:
    checked on the input, gradient and output, so the anchor runs the layout it claims).
    Each call allocates the output and input gradient afresh, as torch eager does; whether
    glibc hands back heap pages or fresh (faulting) ones varies between calls and runs, so
    the anchor's time is bimodal for large maps (batch norm 32x64x56x56: 0, 1 or 2 buffers of
    6272 pages faulted per step, each buffer adding milliseconds on this VM)."""
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    module = module.to(memory_format=fmt).train()
    xt = torch.from_numpy(x_nchw).contiguous(memory_format=fmt).requires_grad_()
    gt = torch.from_numpy(g_nchw).contiguous(memory_format=fmt)
    if not all(t.is_contiguous(memory_format=fmt) for t in (xt, gt, module(xt))):
        raise RuntimeError(f"torch anchor: expected {fmt} tensors, got other strides")

    def step():
        xt.grad = None
        module.zero_grad(set_to_none=True)
        module(xt).backward(gt)
    return step


def _layer_rows(ctx, name, ours, theirs, shape, limit, rounds):
    """Rows for one layer in NCHW and NHWC: ``ours(fmt)`` a bigdl_py module, ``theirs()`` the
    torch module (None without torch)."""
    x = _rand(shape, np.float32, 1)
    rows = []
    for fmt in ("NCHW", "NHWC"):
        m = ours(fmt)
        y = m.forward(x if fmt == "NCHW" else _nhwc(x))
        g = _rand(y.shape, np.float32, 2)
        g_nchw = g if fmt == "NCHW" else np.ascontiguousarray(g.transpose(0, 3, 1, 2))
        fns = {"ours": _module_step(m, x if fmt == "NCHW" else _nhwc(x), g)}
        if ctx.torch is not None:
            tm = theirs()  # its own weights: the values do not change the timing
            fns["torch"] = _torch_step(ctx.torch, tm, x, g_nchw, fmt == "NHWC")
        t = _paired(fns, rounds)
        r = row(f"{name} {fmt}", ctx.threads, t.pop("ours"), **t)
        rows.append(_bar(r, t["torch"], limit, "our time / torch") if "torch" in t else r)
    return rows


def lenet5():
    return (Sequential().add(Reshape([1, 28, 28]))
            .add(SpatialConvolution(1, 6, 5, 5)).add(Tanh()).add(SpatialMaxPooling(2, 2, 2, 2))
            .add(SpatialConvolution(6, 12, 5, 5)).add(Tanh())
            .add(SpatialMaxPooling(2, 2, 2, 2)).add(Reshape([192]))
            .add(Linear(192, 100)).add(Tanh()).add(Linear(100, 10)).add(LogSoftMax()))


def _lenet_row(ctx, batch, rounds):
    x = _rand((batch, 28, 28), np.float32, 3)
    y = np.random.default_rng(4).integers(1, 11, batch)
    model, crit = lenet5(), ClassNLLCriterion()
    xt = bigdl_py.Tensor.from_numpy(x)

    def ours():
        model.zero_grad_parameters()
        out = model.forward(xt)
        crit.forward(out, y)
        model.backward(xt, crit.backward(out, y))
        model.update_parameters(0.01)

    fns = {"ours": ours}
    if ctx.torch is not None:
        torch, nn = ctx.torch, ctx.torch.nn
        tm = nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), nn.MaxPool2d(2), nn.Conv2d(6, 12, 5),
                           nn.Tanh(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(192, 100),
                           nn.Tanh(), nn.Linear(100, 10), nn.LogSoftmax(dim=1))
        opt = torch.optim.SGD(tm.parameters(), lr=0.01)
        tx, ty = torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y - 1)

        def theirs():
            opt.zero_grad()
            nn.functional.nll_loss(tm(tx), ty).backward()
            opt.step()
        fns["torch"] = theirs
    t = _paired(fns, rounds)
    r = row(f"lenet5 training step batch {batch}", ctx.threads, t.pop("ours"), **t)
    return _bar(r, t["torch"], 0.8, "our time / torch eager") if "torch" in t else r


def run(ctx):
    """Rows for every bar of issue 11 (small shapes and few rounds under ``ctx.quick``)."""
    bigdl_py.set_num_threads(ctx.threads)
    q = ctx.quick
    rounds = 3 if q else ctx.repeats
    nn = ctx.torch.nn if ctx.torch is not None else None
    lenet_in = (8 if q else 128, 1, 28, 28)
    resnet_in = (2, 8, 14, 14) if q else (32, 64, 56, 56)
    c = resnet_in[1]
    rows = []
    with _blas_threads(ctx.threads):
        rows += _layer_rows(ctx, f"conv fwd+bwd lenet conv1 {lenet_in}->6 5x5",
                            lambda f: SpatialConvolution(1, 6, 5, 5, data_format=f),
                            lambda: nn.Conv2d(1, 6, 5), lenet_in, 1.25, rounds)
        rows += _layer_rows(ctx, f"conv fwd+bwd resnet 3x3 {resnet_in}->{c} pad 1",
                            lambda f: SpatialConvolution(c, c, 3, 3, 1, 1, 1, 1, data_format=f),
                            lambda: nn.Conv2d(c, c, 3, padding=1), resnet_in, 1.25, rounds)
        for k in (2, 3):
            rows += _layer_rows(ctx, f"maxpool fwd+bwd {k}x{k}/2 {resnet_in}",
                                lambda f, k=k: SpatialMaxPooling(k, k, 2, 2, format=f),
                                lambda k=k: nn.MaxPool2d(k, 2), resnet_in, 1.0, rounds)
        rows += _layer_rows(ctx, f"batchnorm train fwd+bwd {resnet_in}",
                            lambda f: SpatialBatchNormalization(c, data_format=f),
                            lambda: nn.BatchNorm2d(c), resnet_in, 1.0, rounds)
        rows.append(_lenet_row(ctx, 16 if q else 128, rounds))
    return rows
