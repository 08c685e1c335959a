"""Graph models on Spark (SPEC §8, §10): Samples with several feature arrays train a
multi-input graph through ``Optimizer.create`` with an RDD, as local mode does with a list
of arrays; the packing of several arrays into one stored row."""
import re

import numpy as np
import pytest

from bigdl_py.optim import _spark_data as data
from bigdl_py.utils import Sample

pyspark = pytest.importorskip("pyspark")

import bigdl_py  # noqa: E402
from bigdl_py.nn import CAddTable, Input, JoinTable, Linear, LogSoftMax, Model, Tanh  # noqa: E402
from bigdl_py.nn.criterion import ClassNLLCriterion  # noqa: E402
from bigdl_py.optim import SGD, Loss, MaxIteration, Optimizer, Top1Accuracy  # noqa: E402
from bigdl_py.optim.distri import DistriOptimizer  # noqa: E402

pytestmark = pytest.mark.timeout(120)


def test_pack_and_unpack_several_arrays():
    a, b = np.arange(6, dtype=np.float32).reshape(2, 3), np.array([7.0, 8.0])
    row, layout = data.pack([a, b])
    assert row.dtype == np.float64 and row.tolist() == [0, 1, 2, 3, 4, 5, 7, 8]
    assert layout == (((2, 3), "<f4"), ((2,), "<f8"))
    X1, X2 = data.unpack(np.stack([row, row + 1]), layout)
    assert X1.dtype == np.float32 and X1.shape == (2, 2, 3) and X1[1].tolist() == (a + 1).tolist()
    assert X2.dtype == np.float64 and X2.tolist() == [[7, 8], [8, 9]]
    one = np.zeros(3, np.float32)
    assert data.pack(one) == (one, None) and data.unpack(one[None], None) is not None
    s = Sample.from_ndarray([a, b], 2)
    assert repr(s) == "Sample(features=[(2, 3) float32, (2,) float64], label=() int64)"
    stack = next(data.stack_partition(0, [s, Sample.from_ndarray([a, b + 1], 1)]))
    assert stack.error is None and stack.layout == layout and stack.X.shape == (2, 8)
    bad = next(data.stack_partition(3, [s, Sample.from_ndarray([a, b, b], 1)]))
    assert re.search(r"record 1 of partition 3 has features arrays \(2, 3\) float32, \(2,\) "
                     r"float64, \(2,\) float64, but record 0 has arrays", bad.error)


def _graph(seed=3):
    bigdl_py.RNG.set_seed(seed)
    x1, x2 = Input(), Input()
    h = Tanh()(CAddTable()([Linear(4, 6).set_name("a")(x1), Linear(3, 6).set_name("b")(x2)]))
    out = LogSoftMax()(Linear(9, 3).set_name("c")(JoinTable(1, 1)([h, x2])))
    return Model([x1, x2], out).set_name("net")


def _data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, 4)).astype(np.float32),
            rng.standard_normal((n, 3)).astype(np.float32), rng.integers(1, 4, n))


def test_two_input_graph_trains_on_spark_like_local_mode(sc):
    X1, X2, y = _data()
    rdd = sc.parallelize([Sample.from_ndarray([a, b], t) for a, b, t in zip(X1, X2, y)], 2)
    local, spark = _graph(), _graph()
    lopt = Optimizer.create(local, ([X1, X2], y), ClassNLLCriterion(), MaxIteration(4), 24,
                            SGD(0.5))
    lopt.set_validation(8, [X1, X2], y, val_method=[Top1Accuracy(), Loss()])
    lopt.optimize()
    opt = Optimizer.create(spark, rdd, ClassNLLCriterion(), MaxIteration(4), 24, SGD(0.5))
    assert isinstance(opt, DistriOptimizer)
    opt.set_validation(8, rdd, val_method=[Top1Accuracy(), Loss()])
    opt.optimize()
    for u, v in zip(spark.get_weights(), local.get_weights()):
        np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-6)  # full batch: float rounding
    assert len(opt.history) == len(lopt.history) == 4  # one epoch per iteration
    for h, lh in zip(opt.history, lopt.history):
        assert list(h["validation"]) == ["Top1Accuracy", "Loss"]
        for k in h["validation"]:
            np.testing.assert_allclose(h["validation"][k], lh["validation"][k], rtol=1e-5)


def test_mismatched_feature_arrays_are_a_value_error(sc):
    X1, X2, y = _data(8)
    two = [Sample.from_ndarray([a, b], t) for a, b, t in zip(X1, X2, y)]
    one = [Sample.from_ndarray(np.hstack([a, b]), t) for a, b, t in zip(X1, X2, y)]
    opt = Optimizer.create(_graph(), sc.parallelize(two, 2), ClassNLLCriterion(),
                           MaxIteration(1), 8)
    with pytest.raises(ValueError, match="expected validation features of shape"):
        opt.set_validation(4, sc.parallelize(one, 2))
    with pytest.raises(ValueError, match="DistriOptimizer: expected bigdl_py.utils.Sample "
                                         "records with features and labels of one shape"):
        Optimizer.create(_graph(), sc.parallelize(two[:4] + one[4:], 1), ClassNLLCriterion(),
                         MaxIteration(1), 8)


def test_evaluate_a_two_input_graph_on_an_rdd_and_arrays(sc):
    X1, X2, y = _data(10)
    net = _graph()
    rdd = sc.parallelize([Sample.from_ndarray([a, b], t) for a, b, t in zip(X1, X2, y)], 3)
    on_rdd = net.evaluate(rdd, 4, [Top1Accuracy(), Loss()])
    on_arrays = net.evaluate([X1, X2], y, 4, [Top1Accuracy(), Loss()])
    assert net.is_training()
    for a, b in zip(on_rdd, on_arrays):
        assert a.total_num == b.total_num == 10
        np.testing.assert_allclose(a.result, b.result, rtol=1e-6)
