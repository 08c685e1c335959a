"""BigDL's autoencoder tutorial, ported by renaming ``bigdl`` to ``bigdl_py`` in the imports
(written for this project).  scikit-learn's 8x8 digits stand in for MNIST; the features are
their own targets; Adagrad with BigDL's decay, trained in local mode on arrays.
"""
from sklearn.datasets import load_digits

from bigdl_py.dllib.nn.layer import *
from bigdl_py.dllib.nn.criterion import *
from bigdl_py.dllib.optim.optimizer import *
from bigdl_py.dllib.utils.common import *

init_engine()
X = (load_digits().data / 16.0).astype("float32")
train, test = X[:1500], X[1500:]


def get_autoencoder(input_dim, hidden):
    model = Sequential()
    model.add(Linear(input_dim, hidden))
    model.add(ReLU())
    model.add(Linear(hidden, input_dim))
    model.add(Sigmoid())
    return model


model = get_autoencoder(64, 32)
before = MSECriterion().forward(model.predict_local(test), test)
optimizer = Optimizer.create(
    model=model,
    training_set=(train, train),
    criterion=MSECriterion(),
    optim_method=Adagrad(learningrate=0.1, learningrate_decay=0.0002),
    end_trigger=MaxEpoch(20),
    batch_size=32)
trained_model = optimizer.optimize()

after = MSECriterion().forward(trained_model.predict_local(test), test)
print("held-out reconstruction MSE: %.4f before training, %.4f after" % (before, after))
assert after < 0.5 * before
