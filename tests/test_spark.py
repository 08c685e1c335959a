"""Distributed training on Spark (SPEC §8): DistriOptimizer, Sample, get_spark_context.

One local[2] SparkContext serves the whole session (conftest's ``sc``: started by the first
test that needs it, stopped at teardown).  The task-retry test needs master local[2,4] (a
task may fail), so it runs in a subprocess with its own context.  Models here are built from bigdl_py
classes only: Spark workers cannot import classes or functions defined in a test file.
"""
import json
import logging
import os
import subprocess
import sys

import numpy as np
import pytest

pyspark = pytest.importorskip("pyspark")

import bigdl_py  # noqa: E402
from bigdl_py.nn import Dropout, Linear, LogSoftMax, Model, ReLU, Sequential  # noqa: E402
from bigdl_py.nn.criterion import ClassNLLCriterion, MSECriterion  # noqa: E402
from bigdl_py.optim import (SGD, Adam, EveryEpoch, Loss, MaxEpoch, MaxIteration,  # noqa: E402
                            OptimMethod, Optimizer, SeveralIteration, Top1Accuracy)
from bigdl_py.optim import _spark_data as data  # noqa: E402
from bigdl_py.optim._spark_infer import evaluate as distributed_evaluate  # noqa: E402
from helpers import assert_fires_at_iterations_3_and_6  # noqa: E402
from bigdl_py.optim._spark_infer import predict as distributed_predict  # noqa: E402
from bigdl_py.optim.distri import DistriOptimizer  # noqa: E402
from bigdl_py.optim.optimizer import LocalOptimizer  # noqa: E402
from bigdl_py.utils import Sample, get_spark_context  # noqa: E402

pytestmark = pytest.mark.timeout(120)


def _data(n=40, d=5, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(np.float32)
    y = rng.integers(1, classes + 1, n)
    return X, y


def _rdd(sc, X, y, parts=2):
    return sc.parallelize([Sample.from_ndarray(a, b) for a, b in zip(X, y)], parts)


def _mlp(seed=3, dropout=False):
    bigdl_py.RNG.set_seed(seed)
    layers = [Linear(5, 8), ReLU()] + ([Dropout(0.5)] if dropout else []) + \
        [Linear(8, 3), LogSoftMax()]
    return Sequential(*layers)


def _weights(model):
    return [w.copy() for w in model.get_weights()]


def _jobs(sc):
    return set(sc.statusTracker().getJobIdsForGroup())


def _python(code, timeout):
    """Run ``code`` in a fresh interpreter that imports the bigdl_py under test (not a
    source tree in the current directory: PYTHONSAFEPATH)."""
    home = os.path.dirname(os.path.dirname(os.path.abspath(bigdl_py.__file__)))
    env = dict(os.environ, PYTHONSAFEPATH="1",
               PYTHONPATH=os.pathsep.join(filter(None, [home, os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, env=env)


def _train(sc, fault=None, seed=11, iterations=6):
    """The run the task-retry test repeats in a subprocess: dropout, 2 partitions,
    mini-batches of 8 (4 per partition) over 40 records, SGD with momentum."""
    X, y = _data()
    model = _mlp(dropout=True)
    opt = Optimizer.create(model, _rdd(sc, X, y), ClassNLLCriterion(),
                           MaxIteration(iterations), 8, SGD(0.2, momentum=0.9))
    opt._fault = fault
    bigdl_py.RNG.set_seed(seed)
    opt.optimize()
    return _weights(model)


# ---- Sample, get_spark_context, lazy import ----------------------------------------------

def test_importing_bigdl_py_never_imports_pyspark():
    code = ("import sys, bigdl_py, bigdl_py.nn, bigdl_py.optim, bigdl_py.utils, "
            "bigdl_py.optim.distri; print(sorted(m for m in sys.modules if 'pyspark' in m))")
    out = _python(code, timeout=60)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "[]"


def test_sample_from_ndarray():
    s = Sample.from_ndarray(np.arange(6).reshape(2, 3), 2)
    assert s.inputs.dtype == np.float32 and s.inputs.shape == (2, 3)  # ints -> float32
    assert s.label.shape == () and int(s.label) == 2
    d = Sample.from_ndarray(np.ones(3), np.array([0.5, 1.5]))
    assert d.inputs.dtype == np.float64 and d.label.tolist() == [0.5, 1.5]
    import pickle
    r = pickle.loads(pickle.dumps(d))
    np.testing.assert_array_equal(r.inputs, d.inputs)
    np.testing.assert_array_equal(r.label, d.label)
    assert repr(r) == "Sample(features=(3,) float64, label=(2,) float64)"
    with pytest.raises(TypeError, match="Sample: expected numeric features, got dtype <U1"):
        Sample.from_ndarray(["a"], 1)
    with pytest.raises(TypeError, match="Sample: expected numeric label, got dtype object"):
        Sample.from_ndarray([1.0], {"a": 1})
    with pytest.raises(ValueError, match="Sample: expected rectangular numeric features, got a "
                                         "ragged list"):
        Sample.from_ndarray([[1.0], [1.0, 2.0]], 1)


def test_get_spark_context_returns_the_running_context(sc):
    assert get_spark_context("local[7]") is sc  # an active context is reused
    conf = dict(sc.getConf().getAll())
    assert conf["spark.ui.enabled"] == "false"
    assert conf["spark.ui.showConsoleProgress"] == "false"
    assert os.environ["PYSPARK_PYTHON"] and os.environ["SPARK_LOCAL_IP"]
    assert sc.pythonExec == os.environ["PYSPARK_PYTHON"]


def test_workers_import_the_bigdl_py_of_the_driver(tmp_path, monkeypatch):
    from bigdl_py.utils.spark import worker_env
    home = os.path.dirname(os.path.dirname(os.path.abspath(bigdl_py.__file__)))
    monkeypatch.chdir(tmp_path)
    assert worker_env() == {"spark.executorEnv.PYTHONPATH": home}
    (tmp_path / "bigdl_py").mkdir()
    (tmp_path / "bigdl_py" / "__init__.py").write_text("")  # e.g. an unbuilt source tree
    assert worker_env() == {"spark.executorEnv.PYTHONPATH": home,
                            "spark.executorEnv.PYTHONSAFEPATH": "1"}


def test_pyspark_python_is_set_when_the_optimizer_meets_a_context(sc, monkeypatch):
    """A context built before bigdl_py with PYSPARK_PYTHON unset runs plain python3."""
    from bigdl_py.optim._spark_cache import check_python_workers
    monkeypatch.delenv("PYSPARK_PYTHON")
    monkeypatch.setattr(sc, "pythonExec", "python3")
    check_python_workers(sc)
    assert sc.pythonExec == sys.executable == os.environ["PYSPARK_PYTHON"]


def test_workers_that_cannot_import_bigdl_py_are_explained(sc, tmp_path, monkeypatch):
    shadow = tmp_path / "shadow" / "bigdl_py"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named "
                                        "'bigdl_py'\")\n")
    exe = tmp_path / "python"
    exe.write_text(f"#!/bin/sh\ncd {tmp_path}\nPYTHONPATH={tmp_path / 'shadow'}:$PYTHONPATH "
                   f"exec {sys.executable} \"$@\"\n")  # workers without a usable bigdl_py
    exe.chmod(0o755)
    monkeypatch.setattr(sc, "pythonExec", str(exe))
    X, y = _data()
    with pytest.raises(ImportError, match="Spark's Python workers cannot import bigdl_py "
                                          "while reading the training set"):
        Optimizer.create(_mlp(), _rdd(sc, X, y), ClassNLLCriterion(), batch_size=8)


def test_batch_indices_walk_each_partition_in_philox_permutations():
    n, share = 7, 3
    walk = np.concatenate([data.batch_indices(5, 1, n, share, t) for t in range(1, 8)])
    assert len(walk) == 21
    for e in range(3):  # every local epoch visits each record exactly once
        assert sorted(walk[e * n:(e + 1) * n]) == list(range(n))
    assert walk[:n].tolist() != walk[n:2 * n].tolist()  # a fresh permutation per epoch
    np.testing.assert_array_equal(data.batch_indices(5, 1, n, share, 4), walk[9:12])
    assert data.batch_indices(5, 0, n, share, 1).tolist() != walk[:3].tolist()  # partition
    assert data.batch_indices(6, 1, n, share, 1).tolist() != walk[:3].tolist()  # seed
    big = data.batch_indices(5, 1, 4, 10, 1)  # a share larger than the partition
    assert len(big) == 10 and sorted(big[:4]) == [0, 1, 2, 3] and sorted(big[4:8]) == [0, 1, 2, 3]


# ---- creation and bad input --------------------------------------------------------------

def test_create_returns_the_distributed_optimizer_for_an_rdd(sc):
    X, y = _data()
    assert type(Optimizer.create(_mlp(), (X, y), ClassNLLCriterion())) is LocalOptimizer
    opt = Optimizer.create(_mlp(), _rdd(sc, X, y), ClassNLLCriterion(), batch_size=8)
    assert type(opt) is DistriOptimizer and isinstance(opt, LocalOptimizer)
    with pytest.raises(TypeError, match="expected training_set=\\(X, y\\) for local training "
                                        "or an RDD of Samples or a DataFrame, got list"):
        Optimizer.create(_mlp(), [X, y], ClassNLLCriterion())


def test_batch_size_not_a_multiple_of_partitions_fails_before_any_job(sc):
    X, y = _data()
    rdd = _rdd(sc, X, y, parts=3)  # the library rebalances into the 2 task slots
    before = _jobs(sc)
    with pytest.raises(ValueError, match=r"batch_size to be a multiple of the number of "
                                         r"partitions \(2: the cluster's task slots\), got "
                                         r"batch_size=7"):
        Optimizer.create(_mlp(), rdd, ClassNLLCriterion(), MaxEpoch(1), 7)
    assert _jobs(sc) == before  # no Spark job ran


@pytest.mark.parametrize("records, match", [
    ([(np.ones(5, np.float32), 1)] * 4,
     "record 0 of partition 0 is a builtins.tuple, expected bigdl_py.utils.Sample"),
    ([Sample.from_ndarray(np.ones(5), 1)] * 3 + [Sample.from_ndarray(np.ones(4), 1)],
     r"record 1 of partition 1 has features \(4,\) and label \(\), but record 0 has "
     r"features \(5,\)"),
    ([Sample.from_ndarray(np.ones(5), 1)] * 2 + [Sample.from_ndarray(np.ones(5), [1, 2])] * 2,
     r"partition 1 has features \(5,\) and labels \(2,\), but partition 0 has features "
     r"\(5,\) and labels \(\)"),
    ([], "no records"),
])
def test_bad_training_sets_fail_before_any_training_job(sc, records, match):
    rdd = sc.parallelize(records, 2)
    model = _mlp()
    w0, before = _weights(model), _jobs(sc)
    cached = sc._jsc.getPersistentRDDs().size()
    with pytest.raises(ValueError, match=match):
        Optimizer.create(model, rdd, ClassNLLCriterion(), MaxEpoch(1), 2)
    assert len(_jobs(sc) - before) == 1  # only the job that checks and caches the records
    assert sc._jsc.getPersistentRDDs().size() == cached  # nothing left cached
    for a, b in zip(w0, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_model_or_labels_that_do_not_fit_fail_at_create(sc):
    X, y = _data()
    with pytest.raises(ValueError, match="Linear"):
        Optimizer.create(_mlp(), _rdd(sc, X[:, :4], y), ClassNLLCriterion(), batch_size=8)
    with pytest.raises(ValueError, match="ClassNLLCriterion.*label"):
        Optimizer.create(_mlp(), _rdd(sc, X, y + 5), ClassNLLCriterion(), batch_size=8)
    with pytest.raises(TypeError, match="expected an RDD of Samples or a Spark DataFrame as "
                                        "the validation set, got tuple"):
        Optimizer.create(_mlp(), _rdd(sc, X, y), ClassNLLCriterion(),
                         batch_size=8).set_validation(8, (X, y))


# ---- training ----------------------------------------------------------------------------

def test_full_batch_gradient_descent_equals_local_mode(sc, caplog):
    X, y = _data()
    local, distri, opt = _local_and_distributed(X, y, _rdd(sc, X, y), iterations=5)
    before = _jobs(sc)
    with caplog.at_level(logging.INFO, logger="bigdl_py.optim"):
        assert opt.optimize() is distri
    assert len(_jobs(sc) - before) == 5  # one Spark job per iteration
    for a, b in zip(_weights(local), _weights(distri)):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7)
    assert [h["iteration"] for h in opt.history] == [1, 2, 3, 4, 5]  # one epoch each
    assert opt.optim_method.state["neval"] == 6
    lines = [r.getMessage() for r in caplog.records if r.name == "bigdl_py.optim"]
    assert len(lines) == 5 and lines[0].startswith("epoch 1  iterations 1  loss ")


@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float64", "float32")],
                         ids=["f64", "mixed"])
def test_float64_and_mixed_dtype_models_match_local_mode(sc, dtypes):
    """float64 parameters; and mixed dtypes, where workers keep the layers' own arrays."""
    X, y = _data()

    def model():
        bigdl_py.RNG.set_seed(3)
        return Sequential(Linear(5, 8, dtype=dtypes[0]), ReLU(), Linear(8, 3, dtype=dtypes[1]),
                          LogSoftMax())
    local, distri = model(), model()
    Optimizer.create(local, (X, y), ClassNLLCriterion(), MaxIteration(3), 40,
                     SGD(0.5)).optimize()
    Optimizer.create(distri, _rdd(sc, X, y), ClassNLLCriterion(), MaxIteration(3), 40,
                     SGD(0.5)).optimize()
    for a, b in zip(_weights(local), _weights(distri)):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7)


def test_mse_sum_criterion_matches_local_mode(sc):
    """size_average=False: partitions return plain sums and the driver does not divide."""
    X, _ = _data(n=12)
    T = np.tanh(X[:, :3])
    local, distri = _mlp(), _mlp()
    crit = MSECriterion(size_average=False)
    Optimizer.create(local, (X, T), crit, MaxIteration(3), 12, SGD(0.01)).optimize()
    rdd = sc.parallelize([Sample.from_ndarray(a, b) for a, b in zip(X, T)], 2)
    Optimizer.create(distri, rdd, crit, MaxIteration(3), 12, SGD(0.01)).optimize()
    for a, b in zip(_weights(local), _weights(distri)):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7)


def test_dropout_runs_with_the_same_seed_are_bit_identical(sc):
    first, second = _train(sc), _train(sc)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    other = _train(sc, seed=12)  # the seed drives the masks and the batch choice
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
    bigdl_py.RNG.set_algorithm("mt19937")  # BigDL's generator on the workers: also fixed
    mt = _train(sc)
    assert not all(np.array_equal(a, b) for a, b in zip(first, mt))
    for a, b in zip(mt, _train(sc)):
        np.testing.assert_array_equal(a, b)


def test_validation_runs_on_the_cluster(sc):
    X, y = _data()
    Xv, yv = _data(n=30, seed=1)
    model = _mlp()
    opt = Optimizer.create(model, _rdd(sc, X, y), ClassNLLCriterion(), MaxEpoch(2), 8,
                           Adam(0.01))
    opt.set_validation(4, _rdd(sc, Xv, yv, parts=3), EveryEpoch(), [Top1Accuracy(), Loss()])
    opt.optimize()
    h = opt.history
    assert [e["epoch"] for e in h] == [1, 2] and [e["iteration"] for e in h] == [5, 10]
    assert h[-1]["validation"]["Top1Accuracy"] == np.mean(model.predict_class(Xv) == yv)
    expected = ClassNLLCriterion().forward(model.predict(Xv), yv)
    assert h[-1]["validation"]["Loss"] == pytest.approx(expected, rel=1e-6)
    assert opt.optim_method.state["score"] == h[-1]["validation"]["Top1Accuracy"]
    with pytest.raises(ValueError, match=r"expected validation features of shape \(5,\)"):
        opt.set_validation(4, _rdd(sc, X[:, :4], y))


@pytest.mark.timeout(300)  # a second Spark application: slow on a busy machine
def test_a_task_killed_during_an_iteration_is_retried_to_the_same_weights(sc, tmp_path):
    """The subprocess trains with master local[2,4] and kills the Python worker running
    partition 1 of iteration 3 on its first attempt; Spark reruns the task."""
    out = tmp_path / "faulty.npz"
    code = (f"import sys; sys.path.insert(0, {os.path.dirname(__file__)!r}); "
            "import json, numpy as np, test_spark as t; "
            "from bigdl_py.utils import get_spark_context; "
            "sc = get_spark_context('local[2,4]'); sc.setLogLevel('OFF'); "
            f"np.savez({str(out)!r}, *t._train(sc, fault=(3, 1))); "
            "st = sc.statusTracker(); "
            "failed = sum(st.getStageInfo(s).numFailedTasks for j in st.getJobIdsForGroup() "
            "for s in st.getJobInfo(j).stageIds if st.getStageInfo(s)); "
            "print(json.dumps({'failed': failed})); sc.stop()")
    run = _python(code, timeout=280)
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(run.stdout.strip().splitlines()[-1]) == {"failed": 1}
    undisturbed = _train(sc)
    with np.load(out) as faulty:
        for i, w in enumerate(undisturbed):
            np.testing.assert_array_equal(faulty[f"arr_{i}"], w)


def test_local_sgd(sc):
    X, y = _data()
    sync, one = _mlp(), _mlp()
    Optimizer.create(sync, _rdd(sc, X, y), ClassNLLCriterion(), MaxIteration(3), 8,
                     SGD(0.2)).optimize()
    opt = Optimizer.create(one, _rdd(sc, X, y), ClassNLLCriterion(), MaxIteration(3), 8,
                           SGD(0.2))
    opt.set_local_sgd(1).optimize()  # one local step, then averaging: plain SGD again
    for a, b in zip(_weights(sync), _weights(one)):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7)
    model = _mlp()
    opt = Optimizer.create(model, _rdd(sc, X, y), ClassNLLCriterion(), MaxEpoch(4), 8,
                           SGD(0.2, learningrate_decay=0.1))
    before = _jobs(sc)
    opt.set_local_sgd(5).optimize()
    assert len(_jobs(sc) - before) == 4  # one job per epoch of 5 iterations
    state = opt.optim_method.state
    assert (state["neval"], state["evalCounter"], state["epoch"]) == (21, 20, 5)
    assert opt.history[-1]["loss"] < opt.history[0]["loss"]
    with pytest.raises(ValueError, match="expected steps >= 1, got 0"):
        opt.set_local_sgd(0)
    adam = Optimizer.create(model, _rdd(sc, X, y), ClassNLLCriterion(), batch_size=8,
                            optim_method=Adam())
    with pytest.raises(ValueError, match="expected an SGD optim method \\(local SGD\\), got "
                                         "Adam"):
        adam.set_local_sgd(2)


def test_triggers_fire_on_bigdl_counts(sc, tmp_path):
    X, y = _data()
    opt = Optimizer.create(_mlp(), _rdd(sc, X, y), ClassNLLCriterion(), MaxIteration(7), 8)
    assert_fires_at_iterations_3_and_6(
        opt, tmp_path, lambda trigger: opt.set_validation(8, _rdd(sc, X, y), trigger))



def _local_and_distributed(X, y, rdd, iterations):
    """A model trained locally on (X, y) in full batches of 40 with SGD(0.5), and an
    optimizer set up identically for a second model on ``rdd`` (not run yet)."""
    local = _mlp()
    Optimizer.create(local, (X, y), ClassNLLCriterion(), MaxIteration(iterations), 40,
                     SGD(0.5)).optimize()
    distri = _mlp()
    return local, distri, Optimizer.create(distri, rdd, ClassNLLCriterion(),
                                           MaxIteration(iterations), 40, SGD(0.5))

def _skewed(sc, X, y, sizes):
    """An RDD of Samples whose partitions hold ``sizes`` records (zeros allowed)."""
    samples = [Sample.from_ndarray(a, b) for a, b in zip(X, y)]
    cuts = np.cumsum([0] + list(sizes))
    return sc.parallelize(range(len(sizes)), len(sizes)).mapPartitionsWithIndex(
        lambda i, _: samples[cuts[i]:cuts[i + 1]])


@pytest.mark.parametrize("sizes", [(0, 37, 0, 3), (40,), (1, 0, 0, 0, 39)])
def test_skewed_and_empty_partitions_train_like_local_mode(sc, sizes):
    X, y = _data()
    local, distri, opt = _local_and_distributed(X, y, _skewed(sc, X, y, sizes), iterations=3)
    opt.set_validation(8, _skewed(sc, X, y, sizes), EveryEpoch(), [Top1Accuracy()])
    assert opt._parts == 2 and opt._block_sizes == [20, 20]  # rebalanced once, evenly
    opt.optimize()
    for a, b in zip(_weights(local), _weights(distri)):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7)
    assert opt.history[-1]["validation"]["Top1Accuracy"] == \
        np.mean(distri.predict_class(X) == y)


def test_every_record_is_seen_once_per_epoch(sc):
    """Record i is the one-hot row e_i with target 0; MSE (sums) and SGD(0.25) halve
    weight i each time record i is in a batch: after one epoch every weight is 1/2,
    whatever the input's skew."""
    n = 30
    X = np.eye(n, dtype=np.float32)
    model = Linear(n, 1, with_bias=False)
    model.set_weights([np.ones((1, n), np.float32)])
    opt = Optimizer.create(model, _skewed(sc, X, np.zeros((n, 1), np.float32), (0, 28, 2)),
                           MSECriterion(size_average=False), MaxEpoch(1), 6, SGD(0.25))
    opt.optimize()
    np.testing.assert_array_equal(model.weight, np.full((1, n), 0.5, np.float32))


def test_a_dataframe_repartitioned_by_a_column_trains_on_all_partitions(sc):
    from pyspark.ml.linalg import Vectors
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.getOrCreate()
    X, y = _data()
    df = spark.createDataFrame([(Vectors.dense(a.tolist()), int(b)) for a, b in zip(X, y)],
                               ["features", "label"]).repartition("label")
    local, distri = _mlp(), _mlp()
    Optimizer.create(local, (X, y), ClassNLLCriterion(), MaxIteration(3), 40,
                     SGD(0.5)).optimize()
    opt = Optimizer.create(distri, df.orderBy("label"), ClassNLLCriterion(), MaxIteration(3),
                           40, SGD(0.5))
    assert opt._block_sizes == [20, 20]  # both task slots train, whatever AQE made of it
    opt.optimize()
    for a, b in zip(_weights(local), _weights(distri)):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match=r"expected a column 'features', got columns \['x', "
                                         r"'label'\]"):
        Optimizer.create(_mlp(), df, ClassNLLCriterion(), batch_size=8).set_validation(
            8, df.withColumnRenamed("features", "x"))


def test_a_failed_job_retries_from_the_last_checkpoint(sc, tmp_path, caplog):
    """master local[2] does not retry tasks: the job of iteration 4 fails, the optimizer
    reloads model.3/optim.3 and reaches the undisturbed run's weights."""
    undisturbed = _train(sc)
    X, y = _data()
    model = _mlp(dropout=True)
    opt = Optimizer.create(model, _rdd(sc, X, y), ClassNLLCriterion(), MaxIteration(6), 8,
                           SGD(0.2, momentum=0.9))
    opt.set_checkpoint(str(tmp_path), SeveralIteration(3))
    opt._fault = (4, 1)
    bigdl_py.RNG.set_seed(11)
    with caplog.at_level(logging.WARNING, logger="bigdl_py.optim"):
        opt.optimize()
    for a, b in zip(undisturbed, _weights(model)):
        np.testing.assert_array_equal(a, b)
    msgs = [r.getMessage() for r in caplog.records if r.name == "bigdl_py.optim"]
    assert any("iteration 4 failed on Spark" in m and "model.3" in m and "retry 1 of 5" in m
               for m in msgs), msgs
    no_ckpt = Optimizer.create(_mlp(dropout=True), _rdd(sc, X, y), ClassNLLCriterion(),
                               MaxIteration(6), 8)
    no_ckpt._fault = (2, 0)
    with pytest.raises(RuntimeError, match="DistriOptimizer: iteration 2 failed on Spark"):
        no_ckpt.optimize()


def _frame(sc, X, y, parts=3):
    from pyspark.ml.linalg import Vectors
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.getOrCreate()
    rows = [(Vectors.dense(a.tolist()), int(b)) for a, b in zip(X, y)]
    return spark.createDataFrame(rows, ["features", "label"]).repartition(parts)


def test_distributed_predict_and_evaluate_on_rdds(sc):
    X, y = _data()
    model = _mlp(dropout=True).training()
    expected, classes = model.predict(X), model.predict_class(X)
    before = _jobs(sc)
    out = model.predict(_rdd(sc, X, y, parts=3), batch_size=7).collect()
    assert len(_jobs(sc) - before) == 1  # one job
    np.testing.assert_allclose(np.stack(out), expected, rtol=1e-6)
    rows = sc.parallelize(list(X), 2)  # plain ndarrays work too
    assert distributed_predict(model, rows, classes=True).collect() == classes.tolist()
    local = model.evaluate(X, y, 8, [Top1Accuracy(), Loss()])
    dist = distributed_evaluate(model, _rdd(sc, X, y), 8, [Top1Accuracy(), Loss()])
    assert [r.total_num for r in dist] == [40, 40] and dist[0].result == local[0].result
    assert dist[1].result == pytest.approx(local[1].result, rel=1e-6)
    assert model.is_training()  # the mode is untouched


def test_distributed_predict_and_evaluate_on_dataframes(sc):
    X, y = _data()
    model = _mlp()
    expected, classes = model.predict(X), model.predict_class(X)
    df = _frame(sc, X, y)
    got = model.predict(df).select("features", "prediction").collect()
    order = {tuple(np.float32(r.features.toArray())): np.asarray(r.prediction) for r in got}
    np.testing.assert_allclose(np.stack([order[tuple(x)] for x in X]), expected, rtol=1e-6)
    labelled = model.predict_class(df).collect()
    assert sorted(r.prediction for r in labelled) == sorted(classes.astype(float).tolist())
    local = model.evaluate(X, y, 8, [Top1Accuracy()])
    dist = model.evaluate(df, 8, [Top1Accuracy()])
    assert dist[0].total_num == 40 and dist[0].result == local[0].result
    with pytest.raises(TypeError, match="expected column 'label' to hold numbers"):
        model.evaluate(df.withColumn("label", df.features), 8)


# ---- checkpoints -------------------------------------------------------------------------

def test_checkpoint_then_resume_equals_an_uninterrupted_run(sc, tmp_path):
    X, y = _data()
    rdd = _rdd(sc, X, y)
    full = _mlp(dropout=True)
    bigdl_py.RNG.set_seed(21)
    Optimizer.create(full, rdd, ClassNLLCriterion(), MaxEpoch(2), 16,
                     SGD(0.2, momentum=0.9)).optimize()
    first = _mlp(dropout=True)
    bigdl_py.RNG.set_seed(21)
    opt = Optimizer.create(first, rdd, ClassNLLCriterion(), MaxIteration(4), 16,
                           SGD(0.2, momentum=0.9))
    opt.set_checkpoint(str(tmp_path), SeveralIteration(2))
    opt.optimize()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.2", "model.4", "optim.2",
                                                          "optim.4"]  # BigDL's counts
    model = Model.load_model(tmp_path / "model.4")
    method = OptimMethod.load(tmp_path / "optim.4")
    assert (method.state["neval"], method.state["epoch"]) == (4, 2)
    bigdl_py.RNG.set_seed(21)
    Optimizer.create(model, rdd, ClassNLLCriterion(), MaxEpoch(2), 16, method).optimize()
    for a, b in zip(_weights(full), _weights(model)):
        np.testing.assert_array_equal(a, b)


def test_an_interrupted_checkpoint_write_leaves_the_previous_one_readable(sc, tmp_path,
                                                                         monkeypatch):
    X, y = _data()
    model = _mlp()
    opt = Optimizer.create(model, _rdd(sc, X, y), ClassNLLCriterion(), MaxIteration(3), 8,
                           SGD(0.2))
    opt.set_checkpoint(str(tmp_path), SeveralIteration(1))
    from bigdl_py.nn import persist
    real_savez, calls = persist.np.savez, []

    def savez_interrupted_on_the_third_file(f, **arrays):
        calls.append(1)
        if len(calls) == 3:  # optim.3: half the bytes, then the process is interrupted
            f.write(b"PK\x03\x04" + b"\0" * 100)
            raise KeyboardInterrupt
        real_savez(f, **arrays)

    monkeypatch.setattr(persist.np, "savez", savez_interrupted_on_the_third_file)
    with pytest.raises(KeyboardInterrupt):
        opt.optimize()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.2", "optim.2"]
    restored = Model.load_model(tmp_path / "model.2")
    assert OptimMethod.load(tmp_path / "optim.2").state["neval"] == 2
    assert str(restored) == str(model)


def test_train_digits_spark_example(sc, capsys):
    pytest.importorskip("sklearn")
    import runpy
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "examples" / "train_digits_spark.py"
    main = runpy.run_path(str(path), run_name="example")["main"]
    assert main(["--epochs", "1", "--min-accuracy", "0.5"], sc=sc) == 0
    out = capsys.readouterr()
    assert "epoch 1/1  iterations 23" in out.err  # ceil(1437 / 64)
    assert "held-out accuracy" in out.out
    assert not sc._jsc.sc().isStopped()  # a context it was given stays running
