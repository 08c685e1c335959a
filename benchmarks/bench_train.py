"""End-to-end training (issue 15): the main job's MLP (examples/train_digits.py: 64 -> 256
-> 128 -> 10 with ReLU, Dropout(0.3) and LogSoftMax; ClassNLL; SGD lr 0.05, momentum 0.9)
on 1440 x 64 float32 samples, batch 32, for a fixed number of iterations through
``Optimizer.optimize()``, against PyTorch eager running the same model, loss, optimiser,
batch, shuffling and thread count (torch rows are skipped when torch is absent).

Rows, at each thread count:
- ``train mlp quiet``: nothing else started by us;
- ``train mlp busy``: beside a busy-loop process this section starts (pinned to one CPU
  where the OS allows) and stops.

Bars (``bars`` in each row, same run): quiet, our time <= 0.1 x torch's; busy, our time
<= 2.5 x our quiet time and <= 0.1 x torch's busy time.

At 2+ threads, also the evidence for ``GEMM_PAR_MIN`` (``_core/rowgemm.pxd``): bigdl_py's
GEMM at sizes around it, split over ``ctx.threads`` threads vs one thread (BLAS itself is
single-threaded in both), quiet and busy (``vs one_thread`` > 1: the threads pay off;
below GEMM_PAR_MIN both rows are the same one-thread call).  Run:
``python benchmarks/run.py --only train --threads 2``.
"""
import contextlib
import logging
import os
import subprocess
import sys

import numpy as np

try:
    from ._harness import measure, row
except ImportError:  # run as a script or imported from the benchmarks directory
    from _harness import measure, row

import bigdl_py
from bigdl_py.nn import Dropout, Linear, LogSoftMax, ReLU, Sequential
from bigdl_py.nn.criterion import ClassNLLCriterion
from bigdl_py.optim import SGD, MaxIteration, Optimizer

SAMPLES, FEATURES, CLASSES, BATCH = 1440, 64, 10, 32


def _data():
    rng = np.random.default_rng(0)
    return (rng.random((SAMPLES, FEATURES), dtype=np.float32),
            rng.integers(1, CLASSES + 1, SAMPLES).astype(np.float32))


@contextlib.contextmanager
def _quiet_optimizer_log():
    """The per-epoch lines go to a NullHandler (Progress.report prints nothing then)."""
    log = logging.getLogger("bigdl_py.optim")
    handler, level = logging.NullHandler(), log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


@contextlib.contextmanager
def busy_neighbour():
    """A separate process spinning on one CPU (the last this process may use) until exit."""
    proc = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdout.write('go\\n'); "
                             "sys.stdout.flush()\nwhile True: pass"], stdout=subprocess.PIPE)
    try:
        if hasattr(os, "sched_setaffinity"):
            with contextlib.suppress(OSError):
                os.sched_setaffinity(proc.pid, {max(os.sched_getaffinity(0))})
        proc.stdout.readline()  # it is running
        yield proc
    finally:
        proc.kill()
        proc.wait()


def _ours(X, y, iterations):
    bigdl_py.RNG.set_seed(42)
    model = (Sequential()
             .add(Linear(FEATURES, 256)).add(ReLU()).add(Dropout(0.3))
             .add(Linear(256, 128)).add(ReLU()).add(Dropout(0.3))
             .add(Linear(128, CLASSES)).add(LogSoftMax()))

    def train():
        Optimizer.create(model, (X, y), ClassNLLCriterion(), MaxIteration(iterations), BATCH,
                         SGD(learningrate=0.05, momentum=0.9, dampening=0.0)).optimize()
    return train


def _torch(torch, X, y, iterations):
    torch.manual_seed(42)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(FEATURES, 256), nn.ReLU(), nn.Dropout(0.3),
                          nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.3),
                          nn.Linear(128, CLASSES), nn.LogSoftmax(dim=1))
    xt, yt = torch.from_numpy(X), torch.from_numpy(y).long() - 1
    loss_fn = nn.NLLLoss()

    def train():
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, dampening=0.0)
        model.train()
        done = 0
        while done < iterations:
            perm = torch.randperm(SAMPLES)
            for i in range(0, SAMPLES, BATCH):
                idx = perm[i:i + BATCH]
                opt.zero_grad()
                loss = loss_fn(model(xt[idx]), yt[idx])
                loss.backward()
                opt.step()
                done += 1
                if done == iterations:
                    break
    return train


GEMM_SHAPES = [(32, 64, 256), (32, 256, 128), (64, 256, 256), (128, 256, 256),
               (256, 256, 256), (256, 512, 512)]  # m, k, n: 2**19 .. 2**26 multiply-adds


def _gemm_rows(ctx, phase):
    from bigdl_py import _blas
    rows = []
    for m, k, n in GEMM_SHAPES[:3] if ctx.quick else GEMM_SHAPES:
        rng = np.random.default_rng(m + k + n)
        a, b = rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32)
        c = np.empty((m, n), np.float32)
        calls = max(1, int(2 ** 26 // (m * k * n)))
        t = {}
        for nt in (ctx.threads, 1, ctx.threads, 1):  # twice each, keeping the better
            s = measure(lambda: [_blas.gemm(False, False, 1.0, a, b, 0.0, c, nt)
                                 for _ in range(calls)], repeats=ctx.repeats, warmup=1) / calls
            t[nt] = min(t.get(nt, s), s)
        rows.append(row(f"gemm {m}x{k}x{n} {phase}, ours at {ctx.threads} threads",
                        ctx.threads, t[ctx.threads], flops=2.0 * m * k * n,
                        one_thread=t[1]))
    return rows


def _bar(r, value, limit, what):
    r.setdefault("bars", []).append({"what": what, "value": value, "limit": limit,
                                     "ok": bool(value <= limit)})
    return r


def run(ctx):
    """Quiet and busy rows at ``ctx.threads`` (run.py has set bigdl_py's and torch's)."""
    iterations = 45 if ctx.quick else 225  # one epoch / five epochs of 1440 samples
    repeats = ctx.repeats if ctx.quick else max(3, ctx.repeats // 2)
    X, y = _data()
    torch = ctx.torch
    fns = {"ours": _ours(X, y, iterations)}
    if torch is not None:
        torch.set_num_threads(ctx.threads)
        fns["torch"] = _torch(torch, X, y, iterations)
    times, gemm = {}, []
    with _quiet_optimizer_log():
        for phase in ("quiet", "busy"):
            with busy_neighbour() if phase == "busy" else contextlib.nullcontext():
                for k, f in fns.items():
                    times[phase, k] = measure(f, repeats=repeats, warmup=1)
                if ctx.threads > 1:
                    gemm += _gemm_rows(ctx, phase)
    rows = []
    for phase in ("quiet", "busy"):
        ours = times[phase, "ours"]
        anchors = {"torch": times.get((phase, "torch"))}
        r = row(f"train mlp {phase} ({iterations} it, batch {BATCH})", ctx.threads, ours,
                **anchors)
        if anchors["torch"]:
            _bar(r, ours / anchors["torch"], 0.1, "our time / torch's")
        if phase == "busy":
            r["ratios"]["ours_quiet"] = times["quiet", "ours"] / ours
            _bar(r, ours / times["quiet", "ours"], 2.5, "our busy time / our quiet time")
        rows.append(r)
    return rows + gemm
