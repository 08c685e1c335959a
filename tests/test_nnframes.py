"""NNFrames on Spark ML (bigdl_py.nnframes): NNEstimator/NNClassifier in pyspark.ml
Pipelines, fit/transform, save/load with the pipeline.  Uses the session's SparkContext
(conftest's ``sc``)."""
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("pyspark")

import bigdl_py  # noqa: E402
from bigdl_py.nn import Linear, LogSoftMax, ReLU, Sequential  # noqa: E402
from bigdl_py.nn.criterion import ClassNLLCriterion, MSECriterion  # noqa: E402
from bigdl_py.optim import Adam  # noqa: E402

pytestmark = pytest.mark.timeout(600)  # Spark jobs on a busy machine


@pytest.fixture(scope="module")
def spark(sc):
    from pyspark.sql import SparkSession
    return SparkSession.builder.getOrCreate()


def _blobs(spark, n=60, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(1, 4, n)
    X = rng.standard_normal((n, 3)) * 0.3 + np.eye(3)[y - 1] * 2
    rows = [(float(a), float(b), float(c), float(t)) for (a, b, c), t in zip(X, y)]
    return spark.createDataFrame(rows, ["a", "b", "c", "label"]), X, y


def _mlp():
    bigdl_py.RNG.set_seed(5)
    return Sequential(Linear(3, 8), ReLU(), Linear(8, 3), LogSoftMax())


def test_nnclassifier_in_a_pipeline_fits_transforms_saves_and_loads(spark, tmp_path):
    from pyspark.ml import Pipeline, PipelineModel
    from pyspark.ml.feature import VectorAssembler

    from bigdl_py.nnframes import NNClassifier, NNClassifierModel
    df, X, y = _blobs(spark)
    clf = (NNClassifier(_mlp(), ClassNLLCriterion()).setBatchSize(60).setMaxEpoch(6)
           .setOptimMethod(Adam(0.1)).setLabelCol("label").setPredictionCol("guess"))
    pipe = Pipeline(stages=[VectorAssembler(inputCols=["a", "b", "c"], outputCol="x"),
                            clf.setFeaturesCol("x")])
    fitted = pipe.fit(df)
    stage = fitted.stages[-1]
    assert isinstance(stage, NNClassifierModel) and stage.getPredictionCol() == "guess"
    out = fitted.transform(df).select("label", "guess").collect()
    accuracy = np.mean([r.label == r.guess for r in out])
    assert accuracy >= 0.9
    fitted.write().overwrite().save(str(tmp_path / "model"))
    again = PipelineModel.load(str(tmp_path / "model"))
    assert again.stages[-1].uid == stage.uid
    assert [r.guess for r in again.transform(df).select("guess").collect()] == \
        [r.guess for r in fitted.transform(df).select("guess").collect()]
    pipe.write().overwrite().save(str(tmp_path / "pipe"))
    est = Pipeline.load(str(tmp_path / "pipe")).getStages()[-1]
    assert type(est) is NNClassifier and est.getMaxEpoch() == 6 and est.getBatchSize() == 60
    assert type(est.criterion) is ClassNLLCriterion and type(est._optim_method) is Adam


def test_nnestimator_regression_on_array_features(spark):
    from bigdl_py.nnframes import NNEstimator, NNModel
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 2))
    T = X @ np.array([[1.0], [-1.0]]) + 0.5
    df = spark.createDataFrame([(x.tolist(), t.tolist()) for x, t in zip(X, T)],
                               ["features", "label"])
    bigdl_py.RNG.set_seed(2)
    est = NNEstimator(Linear(2, 1), MSECriterion()).setBatchSize(40).setMaxEpoch(6) \
        .setOptimMethod(Adam(0.5))
    model = est.fit(df)
    assert type(model) is NNModel
    rows = model.transform(df).select("features", "prediction").collect()
    pred = np.array([r.prediction for r in rows])
    want = np.array([r.features for r in rows]) @ np.array([[1.0], [-1.0]]) + 0.5
    assert np.mean((pred - want) ** 2) < np.mean((want - want.mean()) ** 2)  # it learnt
    with pytest.raises(TypeError, match="NNEstimator: expected a bigdl_py criterion, got str"):
        NNEstimator(Linear(2, 1), "mse")


def test_nnframes_without_pyspark_names_the_extra():
    code = ("import sys; sys.modules['pyspark'] = None; import bigdl_py\n"
            "try:\n    import bigdl_py.nnframes\nexcept ImportError as e:\n    print(e)")
    home = os.path.dirname(os.path.dirname(os.path.abspath(bigdl_py.__file__)))
    env = dict(os.environ, PYTHONSAFEPATH="1", PYTHONPATH=home)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env=env)
    assert "bigdl_py.nnframes needs pyspark: install the [spark] extra" in out.stdout, \
        out.stderr[-2000:]
