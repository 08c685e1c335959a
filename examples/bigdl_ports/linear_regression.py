"""BigDL's linear-regression tutorial, ported by renaming ``bigdl`` to ``bigdl_py`` in the
imports (written for this project; synthetic data y = x . [2, -3.4] + 4.2 + noise).

Distributed on Spark (the ``[spark]`` extra): an RDD of Samples, BigDL 0.x's
``Optimizer(...)`` constructor, ``predict`` and ``evaluate`` on the RDD.
"""
from bigdl_py.nn.layer import *
from bigdl_py.nn.criterion import *
from bigdl_py.optim.optimizer import *
from bigdl_py.util.common import *

sc = get_spark_context(create_spark_conf().setMaster("local[2]").setAppName("linreg"))
init_engine()

FEATURES_DIM = 2
true_w, true_b = np.array([2.0, -3.4]), 4.2
np.random.seed(7)
features = np.random.uniform(-1, 1, (400, FEATURES_DIM))
labels = features.dot(true_w) + true_b + np.random.normal(0, 0.01, 400)


def get_minibatch(i):
    return Sample.from_ndarray(features[i], np.array([labels[i]]))


train_rdd = sc.parallelize(range(len(features)), 2).map(get_minibatch)

model = Sequential()
model.add(Linear(FEATURES_DIM, 1))

optimizer = Optimizer(
    model=model,
    training_rdd=train_rdd,
    criterion=MSECriterion(),
    optim_method=SGD(learningrate=0.5),
    end_trigger=MaxEpoch(10),
    batch_size=100)
trained_model = optimizer.optimize()

w, b = trained_model.get_weights()
print("weights", w, "bias", b)
assert np.allclose(w.ravel(), true_w, atol=0.05) and abs(b[0] - true_b) < 0.05

predictions = trained_model.predict(train_rdd).collect()
print("first predictions", [float(p[0]) for p in predictions[:3]], "labels", labels[:3])
assert np.allclose(np.array(predictions).ravel(), labels, atol=0.1)
result = trained_model.evaluate(train_rdd, 64, [Loss(MSECriterion())])[0]
print(result)
assert result.result < 0.01
