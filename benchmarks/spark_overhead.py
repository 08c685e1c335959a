"""What training on Spark costs per iteration (SPEC §8), master local[2], 2 partitions.

1. ``distri_1e6`` vs ``floor_1e6``: one iteration of the DistriOptimizer on a model of
   1,001,000 float32 parameters (Linear(1000, 1000), MSECriterion, one record per
   partition, so the time is the engine's rather than the matrix products'), against the engine's floor measured in the same run, interleaved with the
   iterations: broadcast a 1e6-element float32 vector, one mapPartitions over the same
   cached blocks that returns it, treeAggregate(None, ...), destroy the broadcast.
   Each iteration is paired with the floor job run just before it; the ratio is the
   median of the paired ratios (robust to the load of a shared machine drifting during
   the run).  Bar: ratio <= 1.2.
2. The digits model of examples/train_digits.py (64-256-128-10, dropout, batch 32):
   milliseconds per iteration in local mode vs on local[2].
3. Local SGD (``set_local_sgd(steps)``) on the digits model: time per iteration and the
   speed-up over synchronous iterations.
4. Iteration cost follows the batch, not the data: ms per iteration at batch 64 with
   2 000 and with 60 000 cached records of 784 features (Linear(784, 10)).  Bar: ratio
   <= 1.3.
5. An MNIST-sized epoch (60 000 x 784, batch 256, a 784-128-10 MLP) against the engine's
   floor (the floor job of 1. for the model's parameter count) times the iterations.
   Bar: ratio <= 1.5.  ``--quick`` uses 8 000 records in 4. and 4 096 in 5.

    python benchmarks/spark_overhead.py [--quick] [--json FILE]

Needs the [spark] extra; uses scikit-learn's digits when installed (else random data of
the same shape: the timings do not depend on the values).  No timing assertions: the
table reports, a reader judges.
"""
import argparse
import functools
import json
import logging
import statistics
import sys
import time

import numpy as np

import bigdl_py
from bigdl_py.nn import Dropout, Linear, LogSoftMax, ReLU, Sequential
from bigdl_py.nn.criterion import ClassNLLCriterion, MSECriterion
from bigdl_py.optim import SGD, MaxEpoch, MaxIteration, Optimizer
from bigdl_py.optim import _spark_tasks as tasks
from bigdl_py.utils import Sample, get_spark_context

PARTS = 2


def floor_job(sc, blocks, vector):
    """The engine's floor for one iteration: broadcast + mapPartitions + treeAggregate."""
    b = sc.broadcast(vector)

    def part(records):  # a closure: cloudpickle ships it by value
        for _ in records:
            pass
        yield (b.value,)

    try:
        return blocks.mapPartitions(part).treeAggregate(None, tasks.add_results,
                                                        tasks.add_results)
    finally:
        b.destroy()


def timed_steps(opt, extra=None):
    """Wrap ``opt._train_step`` so each call is timed (and, with ``extra``, preceded by a
    timed call of ``extra()``): returns the two lists of seconds."""
    steps, extras = [], []
    inner = opt._train_step

    def step(state, pos):
        if extra is not None:
            t0 = time.perf_counter()
            extra()
            extras.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        out = inner(state, pos)
        steps.append(time.perf_counter() - t0)
        return out

    opt._train_step = step
    return steps, extras


def overhead_1e6(sc, iterations):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4 * PARTS, 1000)).astype(np.float32)  # 4 records each
    T = rng.standard_normal((4 * PARTS, 1000)).astype(np.float32)
    rdd = sc.parallelize([Sample.from_ndarray(a, b) for a, b in zip(X, T)], PARTS)
    model = Sequential(Linear(1000, 1000))
    n_params = sum(w.size for w in model.get_weights())
    opt = Optimizer.create(model, rdd, MSECriterion(), MaxIteration(iterations + 2),
                           PARTS, SGD(0.01))  # batch: one record per partition
    vector = np.ones(n_params, np.float32)
    steps, floors = timed_steps(opt, functools.partial(floor_job, sc, opt._blocks, vector))
    opt.optimize()
    steps, floors = steps[2:], floors[2:]  # 2 warm-up iterations
    ours, floor = statistics.median(steps), statistics.median(floors)
    paired = statistics.median(s / f for s, f in zip(steps, floors))
    return [
        {"name": f"distri_1e6 ({n_params} float32 params) per iteration", "ms": 1e3 * ours,
         "ratios": {"floor_1e6": paired}},
        {"name": "floor_1e6 (broadcast + mapPartitions + treeAggregate)", "ms": 1e3 * floor,
         "ratios": {}},
    ]


def digits():
    try:
        from sklearn.datasets import load_digits
        d = load_digits()
        return (d.data / 16.0).astype(np.float32), d.target + 1, "scikit-learn digits"
    except ImportError:
        rng = np.random.default_rng(0)
        return (rng.random((1797, 64), dtype=np.float32), rng.integers(1, 11, 1797),
                "random data shaped like digits")


def digits_model():
    bigdl_py.RNG.set_seed(42)
    return (Sequential()
            .add(Linear(64, 256)).add(ReLU()).add(Dropout(0.3))
            .add(Linear(256, 128)).add(ReLU()).add(Dropout(0.3))
            .add(Linear(128, 10)).add(LogSoftMax()))


def digits_rows(sc, iterations, local_sgd_steps):
    X, y, source = digits()
    sgd = functools.partial(SGD, 0.05, momentum=0.9, dampening=0.0)
    local = Optimizer.create(digits_model(), (X, y), ClassNLLCriterion(),
                             MaxIteration(50), 32, sgd())
    local.optimize()  # warm-up
    local.set_end_when(MaxIteration(50 + 5 * iterations))
    local_steps, _ = timed_steps(local)
    local.optimize()
    rdd = sc.parallelize([Sample.from_ndarray(a, b) for a, b in zip(X, y)], PARTS)
    distri = Optimizer.create(digits_model(), rdd, ClassNLLCriterion(),
                              MaxIteration(iterations + 2), 32, sgd())
    sync_steps, _ = timed_steps(distri)
    distri.optimize()
    h = local_sgd_steps
    lsgd = Optimizer.create(digits_model(), rdd, ClassNLLCriterion(),
                            MaxIteration(h * (iterations + 2)), 32, sgd()).set_local_sgd(h)
    lsgd_steps, _ = timed_steps(lsgd)
    lsgd.optimize()
    t_local = statistics.median(local_steps)
    t_sync = statistics.median(sync_steps[2:])
    t_lsgd = statistics.median(lsgd_steps[2:]) / h  # one job does h iterations
    return [
        {"name": f"digits local mode per iteration ({source}, batch 32)",
         "ms": 1e3 * t_local, "ratios": {}},
        {"name": "digits local[2] per iteration (batch 32)", "ms": 1e3 * t_sync,
         "ratios": {"local_mode": t_sync / t_local}},
        {"name": f"digits local[2] local SGD ({h} steps per job) per iteration",
         "ms": 1e3 * t_lsgd, "ratios": {"speedup_over_sync": t_sync / t_lsgd}},
    ]


def generated(sc, n, d, classes, seed):
    """An RDD of stacked record chunks made on the workers (no 188 MB through the driver):
    ``Chunk``s of 1 000 random records per task."""
    from bigdl_py.optim._spark_data import Chunk
    size = 1000
    starts = list(range(0, n, size))

    def make(start):  # a closure: cloudpickle ships it by value
        rng = np.random.default_rng(seed + start)
        m = min(size, n - start)
        return Chunk(rng.random((m, d), dtype=np.float32), rng.integers(1, classes + 1, m))

    return sc.parallelize(starts, PARTS * 4).map(make)


def batch_cost_rows(sc, iterations, big):
    """Row 4: per-iteration time at batch 64, 2 000 vs ``big`` cached records."""
    times = {}
    for n in (2000, big):
        bigdl_py.RNG.set_seed(1)
        model = Sequential(Linear(784, 10), LogSoftMax())
        opt = Optimizer.create(model, generated(sc, n, 784, 10, 0), ClassNLLCriterion(),
                               MaxIteration(iterations + 2), 64, SGD(0.01))
        steps, _ = timed_steps(opt)
        opt.optimize()
        times[n] = statistics.median(steps[2:])
    ratio = times[big] / times[2000]
    return [
        {"name": "batch 64, 2000 cached records x 784, per iteration", "ms": 1e3 * times[2000],
         "ratios": {}},
        {"name": f"batch 64, {big} cached records x 784, per iteration", "ms": 1e3 * times[big],
         "ratios": {"records_2000": ratio}},
    ]


def mnist_epoch_rows(sc, n):
    """Row 5: one epoch of ``n`` x 784 records at batch 256 vs floor x iterations."""
    bigdl_py.RNG.set_seed(2)
    model = Sequential(Linear(784, 128), ReLU(), Linear(128, 10), LogSoftMax())
    opt = Optimizer.create(model, generated(sc, n, 784, 10, 1), ClassNLLCriterion(),
                           MaxEpoch(1), 256, SGD(0.05))
    vector = np.ones(sum(w.size for w in model.get_weights()), np.float32)
    for _ in range(2):  # warm-up
        floor_job(sc, opt._blocks, vector)
    floors = []
    for _ in range(5):
        t0 = time.perf_counter()
        floor_job(sc, opt._blocks, vector)
        floors.append(time.perf_counter() - t0)
    iterations = -(-n // 256)
    t0 = time.perf_counter()
    opt.optimize()
    epoch = time.perf_counter() - t0
    floor = statistics.median(floors) * iterations
    return [{"name": f"epoch {n} x 784, batch 256 ({iterations} iterations)",
             "ms": 1e3 * epoch, "ratios": {"floor_x_iterations": epoch / floor}},
            {"name": "floor_x_iterations (floor job of the MLP's size)", "ms": 1e3 * floor,
             "ratios": {}}]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few iterations (smoke test)")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    iterations = 4 if args.quick else 40
    sc = get_spark_context(f"local[{PARTS}]", app_name="bigdl_py spark_overhead")
    sc.setLogLevel("ERROR")
    log = logging.getLogger("bigdl_py.optim")  # keep the per-epoch lines off the table
    log.addHandler(logging.NullHandler())
    log.setLevel(logging.INFO)
    try:
        sc.parallelize(range(PARTS), PARTS).count()  # start the Python workers
        rows = overhead_1e6(sc, iterations) + digits_rows(sc, iterations, 8)
        rows += batch_cost_rows(sc, iterations, 8000 if args.quick else 60000)
        rows += mnist_epoch_rows(sc, 4096 if args.quick else 60000)
    finally:
        sc.stop()
    print(f"{'benchmark (local[2], 2 partitions)':<66} {'ms':>9}  ratios")
    for r in rows:
        ratios = "  ".join(f"{k} {v:.2f}x" for k, v in r["ratios"].items())
        print(f"{r['name']:<66} {r['ms']:9.2f}  {ratios}")
    bar = rows[0]["ratios"]["floor_1e6"]
    print(f"bar: distri_1e6 / floor_1e6 = {bar:.2f} (target <= 1.2)")
    cost = next(r for r in rows if "records_2000" in r["ratios"])["ratios"]["records_2000"]
    print(f"bar: iteration at batch 64, large / 2000 records = {cost:.2f} (target <= 1.3)")
    epoch = next(r for r in rows if "floor_x_iterations" in r["ratios"])
    print(f"bar: MNIST-sized epoch / (floor x iterations) = "
          f"{epoch['ratios']['floor_x_iterations']:.2f} (target <= 1.5)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"master": f"local[{PARTS}]", "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
