"""BigDL 0.x's ``bigdl.nn.keras.topology``: the Keras-style ``Sequential`` and ``Model``
with BigDL 0.x's labels, 1-based like its nn API (``sparse_categorical_crossentropy``
takes classes 1..C and ``predict_classes`` returns them), where BigDL 2.x's
``bigdl_py.keras`` counts from 0.

>>> import numpy as np
>>> from bigdl_py.nn.keras.layer import Dense
>>> m = Sequential().add(Dense(3, activation="softmax", input_shape=(2,)))
>>> int(m.predict_classes(np.zeros((1, 2), np.float32))[0]) in (1, 2, 3)
True
"""
from ...keras import models as _models

__all__ = ["Sequential", "Model"]


class Sequential(_models.Sequential):
    """``bigdl_py.keras.models.Sequential`` with BigDL 0.x's 1-based class labels."""
    _label_base = 1


class Model(_models.Model):
    """``bigdl_py.keras.models.Model`` with BigDL 0.x's 1-based class labels."""
    _label_base = 1
