"""BigDL's LeNet-5 example in local mode (``models/lenet``: the model, ``Optimizer.create``
on arrays, validation, ``predict_class``), ported by renaming ``bigdl`` to ``bigdl_py`` in the
imports (written for this project).  scikit-learn's 8x8 digits, upsampled to MNIST's 28x28,
stand in for MNIST.
"""
from sklearn.datasets import load_digits

from bigdl_py.dllib.nn.layer import *
from bigdl_py.dllib.nn.criterion import *
from bigdl_py.dllib.optim.optimizer import *
from bigdl_py.dllib.utils.common import *


def build_model(class_num):
    model = Sequential()
    model.add(Reshape([1, 28, 28]))
    model.add(SpatialConvolution(1, 6, 5, 5))
    model.add(Tanh())
    model.add(SpatialMaxPooling(2, 2, 2, 2))
    model.add(SpatialConvolution(6, 12, 5, 5))
    model.add(Tanh())
    model.add(SpatialMaxPooling(2, 2, 2, 2))
    model.add(Reshape([12 * 4 * 4]))
    model.add(Linear(12 * 4 * 4, 100))
    model.add(Tanh())
    model.add(Linear(100, class_num))
    model.add(LogSoftMax())
    return model


def get_digits_28x28():
    digits = load_digits()
    images = np.kron(digits.images / 16.0, np.ones((3, 3)))  # 8x8 -> 24x24
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))  # -> 28x28, MNIST's size
    return images.reshape(-1, 784).astype("float32"), digits.target + 1  # 1-based labels


init_engine()
X, y = get_digits_28x28()
order = np.random.RandomState(0).permutation(len(X))
train, test = order[:1400], order[1400:]

model = build_model(10)
optimizer = Optimizer.create(
    model=model,
    training_set=(X[train], y[train]),
    criterion=ClassNLLCriterion(),
    optim_method=SGD(learningrate=0.05, learningrate_decay=0.0002, momentum=0.9,
                     dampening=0.0),
    end_trigger=MaxEpoch(4),
    batch_size=32)
optimizer.set_validation(
    batch_size=128,
    X_val=X[test],
    Y_val=y[test],
    trigger=EveryEpoch(),
    val_method=[Top1Accuracy()])
trained_model = optimizer.optimize()

print(trained_model)
predictions = trained_model.predict_class(X[test])
accuracy = float(np.mean(predictions == y[test]))
print("held-out accuracy: %.4f" % accuracy)
assert accuracy > 0.95, accuracy
