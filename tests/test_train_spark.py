"""Training features on Spark (SPEC §11): ``module.evaluate`` on an RDD of Samples and the
summaries the distributed optimizer writes.  Uses the session's SparkContext when one is
running (tests/test_spark.py starts ``local[2]``), else starts it."""
import numpy as np
import pytest

pyspark = pytest.importorskip("pyspark")

import bigdl_py  # noqa: E402
from bigdl_py.nn import Linear, LogSoftMax, Sequential  # noqa: E402
from bigdl_py.optim import Loss, Top1Accuracy  # noqa: E402
from bigdl_py.utils import Sample  # noqa: E402

pytestmark = pytest.mark.timeout(120)


def _data(n=23, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 5)).astype(np.float32), rng.integers(1, 4, n)


def _model():
    bigdl_py.RNG.set_seed(4)
    return Sequential(Linear(5, 3), LogSoftMax())


def test_evaluate_on_an_rdd_equals_arrays(sc):
    X, y = _data()
    rdd = sc.parallelize([Sample.from_ndarray(a, b) for a, b in zip(X, y)], 3)
    model = _model()
    methods = [Top1Accuracy(), Loss()]
    on_rdd = model.evaluate(rdd, 4, methods)
    local = model.evaluate(X, y, 4, methods)
    assert model.is_training()
    assert [r.method for r in on_rdd] == ["Top1Accuracy", "Loss"]
    assert [r.total_num for r in on_rdd] == [23, 23]
    assert on_rdd[0].result == local[0].result
    assert on_rdd[1].result == pytest.approx(local[1].result, rel=1e-6)
    with pytest.raises(ValueError, match="Sequential.evaluate: expected an RDD with at least "
                                         "one Sample"):
        model.evaluate(sc.parallelize([], 2), 4, methods)


def test_distributed_optimizer_writes_summaries_and_clips(sc, tmp_path):
    from bigdl_py.nn.criterion import ClassNLLCriterion
    from bigdl_py.optim import (SGD, MaxEpoch, Optimizer, SeveralIteration, Step,
                                TrainSummary, ValidationSummary)
    X, y = _data(24)
    rdd = sc.parallelize([Sample.from_ndarray(a, b) for a, b in zip(X, y)], 2)
    runs = []
    for data in (rdd, (X, y)):  # distributed and local: the same summaries
        model = _model()
        train, val = TrainSummary(str(tmp_path), f"run{len(runs)}"), \
            ValidationSummary(str(tmp_path), f"run{len(runs)}")
        train.set_summary_trigger("LearningRate", SeveralIteration(1))
        opt = Optimizer.create(model, data, ClassNLLCriterion(), MaxEpoch(2), 24,
                               SGD(0.5, leaningrate_schedule=Step(1, 0.5)))
        opt.set_gradclip_l2norm(0.1)
        opt.set_validation(8, rdd if data is rdd else (X, y), val_method=[Top1Accuracy()])
        opt.set_train_summary(train).set_val_summary(val).optimize()
        runs.append((train, val, model.get_weights()))
    (t_d, v_d, w_d), (t_l, v_l, w_l) = runs
    assert [r[:2] for r in t_d.read_scalar("LearningRate")] == [[1.0, 0.5], [2.0, 0.25]]
    assert [r[0] for r in t_d.read_scalar("Loss")] == [1.0, 2.0]
    assert [r[1] for r in t_d.read_scalar("Loss")] == \
        pytest.approx([r[1] for r in t_l.read_scalar("Loss")], rel=1e-5)
    assert [r[:2] for r in v_d.read_scalar("Top1Accuracy")] == \
        [r[:2] for r in v_l.read_scalar("Top1Accuracy")]
    for a, b in zip(w_d, w_l):  # full batch: clipping applied the same way
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
