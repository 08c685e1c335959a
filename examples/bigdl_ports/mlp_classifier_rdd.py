"""BigDL's MLP classifier example (``models/...`` style), ported by renaming ``bigdl`` to
``bigdl_py`` in the imports (written for this project).  scikit-learn's digits stand in for
MNIST: an RDD of Samples with BigDL's 1-based labels, ``Optimizer.create`` with a validation
RDD, then ``evaluate``, ``predict_class`` and a save/load round trip.
"""
import tempfile

from sklearn.datasets import load_digits

from bigdl_py.dllib.nncontext import *
from bigdl_py.dllib.nn.layer import *
from bigdl_py.dllib.nn.criterion import *
from bigdl_py.dllib.optim.optimizer import *
from bigdl_py.dllib.utils.common import *

sc = init_nncontext("mlp classifier")
redire_spark_logs()
show_bigdl_info_logs()

digits = load_digits()
X = (digits.data / 16.0).astype("float32")
y = digits.target + 1  # BigDL's labels are 1-based
rng = np.random.RandomState(0)
order = rng.permutation(len(X))
train_idx, test_idx = order[:1400], order[1400:]
train_rdd = sc.parallelize([Sample.from_ndarray(X[i], y[i]) for i in train_idx], 2)
test_rdd = sc.parallelize([Sample.from_ndarray(X[i], y[i]) for i in test_idx], 2)


def build_model(n_input, n_hidden, n_classes):
    model = Sequential()
    model.add(Linear(n_input, n_hidden)).add(ReLU())
    model.add(Linear(n_hidden, n_classes)).add(LogSoftMax())
    return model


model = build_model(64, 100, 10)
optimizer = Optimizer.create(
    model=model,
    training_set=train_rdd,
    criterion=ClassNLLCriterion(),
    optim_method=SGD(learningrate=0.2, learningrate_decay=0.0002, momentum=0.9,
                     dampening=0.0),
    end_trigger=MaxEpoch(5),
    batch_size=128)
optimizer.set_validation(
    batch_size=128,
    val_rdd=test_rdd,
    trigger=EveryEpoch(),
    val_method=[Top1Accuracy(), Loss()])
trained_model = optimizer.optimize()

results = trained_model.evaluate(test_rdd, 128, [Top1Accuracy()])
for r in results:
    print(r)
assert results[0].result > 0.93, results[0]

classes = trained_model.predict_class(test_rdd).collect()
agree = np.mean(np.array(classes) == y[test_idx])
print("predict_class agrees with the labels on %.3f of the test set" % agree)
assert abs(agree - results[0].result) < 1e-6

path = tempfile.mkdtemp() + "/mlp.bigdl"
trained_model.saveModel(path, over_write=True)
loaded = Model.loadModel(path)
np.testing.assert_array_equal(loaded.predict_local(X[test_idx]),
                              trained_model.predict_local(X[test_idx]))
