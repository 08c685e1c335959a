"""Optim-method updates: the fused ``_core/_optim.pyx`` passes (SGD with momentum and weight
decay, Adam, RMSprop, Adagrad, Adadelta, Adamax) against the chain of numpy operations the
same formula takes, torch's ``optim`` step (foreach, same thread count) when installed, and
a copy of the parameter's bytes; plus the thread crossover that sets ``_par_min``.

Bars (float32, ``bar`` in each row is our time / the anchor's):
- every update on 2**22 elements: <= 1/2 of the numpy chain;
- crossover rows: 2 threads vs 1 thread per size, to place ``_optim._par_min`` (below it a
  kernel runs on one thread) where 2 threads start to win.
"""
import numpy as np

from _harness import copy_anchor, measure, row

import bigdl_py
from bigdl_py import _optim
from bigdl_py.optim import SGD, Adadelta, Adagrad, Adam, Adamax, RMSprop


def _numpy_chain(name, x, g, s, r):
    """The formula as numpy temporaries (what the kernels replace)."""
    if name == "SGD":
        d = g + np.float32(1e-4) * x
        s *= np.float32(0.9)
        s += np.float32(0.1) * d
        x -= np.float32(0.01) * s
    elif name == "Adam":
        s *= np.float32(0.9)
        s += np.float32(0.1) * g
        r *= np.float32(0.999)
        r += np.float32(0.001) * (g * g)
        x -= np.float32(1e-3) * (s / (np.sqrt(r) + np.float32(1e-8)))
    elif name == "RMSprop":
        s *= np.float32(0.99)
        s += np.float32(0.01) * (g * g)
        x -= np.float32(0.01) * (g / (np.sqrt(s) + np.float32(1e-8)))
    elif name == "Adagrad":
        s += g * g
        x -= np.float32(0.01) * (g / (np.sqrt(s) + np.float32(1e-10)))
    elif name == "Adadelta":
        s *= np.float32(0.9)
        s += np.float32(0.1) * (g * g)
        d = np.sqrt(r + np.float32(1e-6)) / np.sqrt(s + np.float32(1e-6)) * g
        x -= d
        r *= np.float32(0.9)
        r += np.float32(0.1) * (d * d)
    else:  # Adamax
        s *= np.float32(0.9)
        s += np.float32(0.1) * g
        np.maximum(np.float32(0.999) * r, np.abs(g) + np.float32(1e-38), out=r)
        x -= np.float32(0.002) * (s / r)


METHODS = {"SGD": (lambda: SGD(0.01, weightdecay=1e-4, momentum=0.9), "SGD",
                   dict(lr=0.01, momentum=0.9, dampening=0.9, weight_decay=1e-4)),
           "Adam": (lambda: Adam(1e-3), "Adam", dict(lr=1e-3)),
           "RMSprop": (lambda: RMSprop(0.01), "RMSprop", dict(lr=0.01, alpha=0.99)),
           "Adagrad": (lambda: Adagrad(0.01), "Adagrad", dict(lr=0.01)),
           "Adadelta": (lambda: Adadelta(0.9, 1e-6), "Adadelta", dict(rho=0.9, eps=1e-6)),
           "Adamax": (lambda: Adamax(0.002), "Adamax", dict(lr=0.002))}


def _torch_step(torch, tname, tkw, x, g, reps):
    p = torch.nn.Parameter(torch.from_numpy(x.copy()))
    p.grad = torch.from_numpy(g)
    opt = getattr(torch.optim, tname)([p], **tkw)
    return measure(opt.step, reps)


def run(ctx):
    reps = 3 if ctx.quick else ctx.repeats
    n = 1 << (16 if ctx.quick else 22)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n, dtype=np.float32)
    g = rng.standard_normal(n, dtype=np.float32) * np.float32(1e-3)
    copy_s = copy_anchor(x.nbytes, ctx.threads, ctx.torch, reps)
    rows = [row(f"copy f32 {n}", ctx.threads, copy_s, 2 * x.nbytes)]
    for name, (make, tname, tkw) in METHODS.items():
        m, w = make(), x.copy()
        pairs = [(w, g)]
        m.optimize(pairs)  # creates the state
        ours = measure(lambda: m.optimize(pairs), reps)
        s, r = np.ones_like(x), np.ones_like(x)
        wn = x.copy()
        chain = measure(lambda: _numpy_chain(name, wn, g, s, r), reps)
        t = _torch_step(ctx.torch, tname, tkw, x, g, reps) if ctx.torch is not None else None
        r_ = row(f"{name} update f32 {n}", ctx.threads, ours, 4 * x.nbytes, copy=copy_s,
                 numpy=chain, torch=t)
        r_["bar"] = {"what": "x numpy chain", "value": ours / chain, "limit": 0.5,
                     "ok": bool(ours / chain <= 0.5)}
        rows.append(r_)
    if ctx.threads > 1:  # the crossover: 1 thread vs ctx.threads on the raw Adam kernel
        old = _optim._set_parallel_threshold(0)
        try:
            for k in ((12, 14, 16) if ctx.quick else (12, 13, 14, 15, 16, 17, 18, 20)):
                xs, gs = x[:1 << k].copy(), g[:1 << k]
                s, r = np.zeros_like(xs), np.zeros_like(xs)
                one = measure(lambda: _optim.adam(xs, gs, s, r, 1e-3, .9, .999, 1e-8, False,
                                                  1), reps * 5)
                many = measure(lambda: _optim.adam(xs, gs, s, r, 1e-3, .9, .999, 1e-8, False,
                                                   ctx.threads), reps * 5)
                rows.append(row(f"Adam kernel 2**{k} ({ctx.threads} threads vs 1)",
                                ctx.threads, many, one_thread=one))
        finally:
            _optim._set_parallel_threshold(old)
    bigdl_py.set_num_threads(ctx.threads)
    return rows
