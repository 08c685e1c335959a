"""``compile`` / ``fit`` / ``evaluate`` / ``predict`` of the Keras-style models, over the
``bigdl_py.nn`` network a model builds (``model.net``) and ``bigdl_py.optim``'s local
Optimizer.  Loss and metric names are BigDL's Keras names."""
import os

import numpy as np

from ..nn.criterion import ClassNLLCriterion, Criterion, MSECriterion
from ..nn.criterion_extra import AbsCriterion, BCECriterion
from .._validate import check_bool, check_int
from ..optim import (EveryEpoch, MaxEpoch, Optimizer, Top1Accuracy, Top5Accuracy,
                     TrainSummary, ValidationSummary)
from ..optim.validation import Loss, ValidationMethod
from ..utils.spark import is_rdd
from ._data import training_data
from ._shape import describe
from .optimizers import by_name

__all__ = ["KerasModel"]

# loss name -> (criterion factory, target kind): "sparse" class labels, "onehot" one-hot
# rows (turned into class labels), "raw" passed as they are
_LOSSES = {"categorical_crossentropy": (lambda: ClassNLLCriterion(logProbAsInput=False),
                                        "onehot"),
           "sparse_categorical_crossentropy": (lambda: ClassNLLCriterion(logProbAsInput=False),
                                               "sparse"),
           "mse": (MSECriterion, "raw"), "mean_squared_error": (MSECriterion, "raw"),
           "mae": (AbsCriterion, "raw"), "mean_absolute_error": (AbsCriterion, "raw"),
           "binary_crossentropy": (BCECriterion, "raw")}
_METRICS = {"accuracy": Top1Accuracy, "acc": Top1Accuracy, "top5acc": Top5Accuracy,
            "top5accuracy": Top5Accuracy, "loss": Loss}  # BigDL's names and aliases


def _named(value, table, owner, what):
    if not isinstance(value, str):
        raise TypeError(f"{owner}: expected a {what} name or object, got "
                        f"{type(value).__name__}")
    if value.lower() not in table:
        raise ValueError(f"{owner}: expected {what} in {sorted(table)}, got {value!r}")
    return table[value.lower()]


class KerasModel:
    """What the Keras-style ``Sequential`` and ``Model`` share: the built network
    ``self.net`` (a ``bigdl_py.nn`` module) and training through ``bigdl_py.optim``
    (saving is ``bigdl_py.keras._persist.SavedModel``'s).

    ``_label_base`` is the first class label Keras-style calls take for
    ``sparse_categorical_crossentropy`` and return from ``predict_classes``: 0 on BigDL
    2.x's paths, 1 on BigDL 0.x's (``bigdl_py.nn.keras``)."""

    _label_base = 0

    def _compiled(self, owner):
        if getattr(self, "_compile", None) is None:
            raise ValueError(f"{owner}: expected a compiled model, got one without "
                             "compile(optimizer, loss)")
        return self._compile

    def compile(self, optimizer, loss, metrics=None):
        """Set the optimisation method (name or ``OptimMethod``), the loss (name or
        ``Criterion``) and the metrics (names or ``ValidationMethod``s) for ``fit`` and
        ``evaluate``.  Unknown names are a ValueError listing the valid ones."""
        owner = f"{type(self).__name__}.compile"
        method = by_name(optimizer, owner)
        if isinstance(loss, Criterion):
            criterion, kind = loss, "raw"
        else:
            make, kind = _named(loss, _LOSSES, owner, "loss")
            criterion = make()
        if metrics is None:
            metrics = []
        if not isinstance(metrics, (list, tuple)):
            raise TypeError(f"{owner}: expected a list of metrics, got "
                            f"{type(metrics).__name__}")
        methods = []
        for m in metrics:
            if not isinstance(m, ValidationMethod):
                make = _named(m, _METRICS, owner, "metric")
                m = make(criterion) if make is Loss else make()
            methods.append(m)
        if kind == "raw" and any(isinstance(m, (Top1Accuracy, Top5Accuracy))
                                 for m in methods) and not isinstance(loss, Criterion):
            raise ValueError(f"{owner}: expected a categorical loss with the accuracy "
                             f"metrics, got loss {loss!r}")
        self._compile = (method, criterion, kind, methods)
        return self

    def _check_x(self, x, owner):
        """ValueError unless the array (or list of arrays, one per input) ``x`` holds
        samples of the model's input shape; RDDs are checked by the optimizer."""
        if is_rdd(x):
            return
        want = self._sample_input_shape()
        given = list(x) if isinstance(want, list) and isinstance(x, (list, tuple)) else [x]
        wants = want if isinstance(want, list) else [want]
        shapes = [tuple(np.shape(a)) for a in given]
        if len(shapes) != len(wants) or any(s[1:] != w for s, w in zip(shapes, wants)):
            got = shapes[0] if len(shapes) == 1 else shapes
            raise ValueError(f"{owner}: expected input of shape {describe(want)} (batch "
                             f"first), got {got}")

    # ---- training ------------------------------------------------------------------------
    def set_tensorboard(self, log_dir, app_name):
        """Write TensorBoard summaries during ``fit``: training scalars to
        ``log_dir/app_name/train``, validation results to ``log_dir/app_name/validation``
        (BigDL's ``set_tensorboard``)."""
        self._summaries = (TrainSummary(log_dir, app_name),
                           ValidationSummary(log_dir, app_name))
        return self

    def get_train_summary(self, tag=None):
        """``[[step, value, wall_time], ...]`` of a training scalar ("Loss",
        "LearningRate", "Throughput") written since ``set_tensorboard``."""
        return self._summary(0, "get_train_summary").read_scalar(tag)

    def get_validation_summary(self, tag=None):
        """``[[step, value, wall_time], ...]`` of a validation result (e.g.
        "Top1Accuracy", "Loss") written since ``set_tensorboard``."""
        return self._summary(1, "get_validation_summary").read_scalar(tag)

    def _summary(self, i, what):
        if getattr(self, "_summaries", None) is None:
            raise RuntimeError(f"{type(self).__name__}.{what}: expected set_tensorboard("
                               f"log_dir, app_name) before, got no summary")
        return self._summaries[i]

    def set_checkpoint(self, path, over_write=True):
        """Write ``model.<iteration>`` and ``optim.<iteration>`` into the folder ``path``
        after every epoch of ``fit`` (BigDL's ``set_checkpoint``; read them back with
        ``bigdl_py.nn.Model.load_model`` and ``bigdl_py.optim.OptimMethod.load``)."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"{type(self).__name__}.set_checkpoint: expected a folder path, "
                            f"got {type(path).__name__}")
        self._checkpoint = (os.fspath(path), check_bool(over_write, type(self).__name__,
                                                        "over_write"))
        return self

    def fit(self, x, y=None, batch_size=32, nb_epoch=10, validation_data=None,
            distributed=False):
        """Train for ``nb_epoch`` more epochs in batches of ``batch_size`` on arrays
        ``(x, y)``, or on the cluster (``[spark]`` extra) when ``x`` is an RDD of Samples
        (``y`` None; labels as Keras takes them) or ``distributed=True``; validate on
        ``validation_data`` (``(x_val, y_val)`` or an RDD) after each epoch with the
        compiled metrics.  Returns the Optimizer's per-epoch ``history``."""
        owner = f"{type(self).__name__}.fit"
        method, criterion, kind, metrics = self._compiled(owner)
        nb_epoch = check_int(nb_epoch, owner, "nb_epoch", 1)
        batch_size = check_int(batch_size, owner, "batch_size", 1)
        distributed = check_bool(distributed, owner, "distributed")
        base = self._label_base
        self._check_x(x, owner)
        if isinstance(validation_data, (tuple, list)) and len(validation_data) == 2:
            self._check_x(validation_data[0], owner + " (validation_data)")
        data = training_data(x, y, kind, base, owner, distributed)
        remote = not isinstance(data, tuple)
        val = None
        if validation_data is not None:
            if isinstance(validation_data, (tuple, list)) and len(validation_data) == 2:
                val = training_data(*validation_data, kind, base, owner, remote)
            elif remote:
                val = training_data(validation_data, None, kind, base, owner, True)
            else:
                raise TypeError(f"{owner}: expected validation_data=(x_val, y_val), got "
                                f"{type(validation_data).__name__}")
        done = method.state.get("epoch", 1) - 1
        opt = Optimizer.create(self.net, data, criterion, MaxEpoch(done + nb_epoch),
                               batch_size, method)
        if val is not None:
            args = (val,) if remote else val
            opt.set_validation(batch_size, *args, EveryEpoch(), metrics or [Loss(criterion)])
        if getattr(self, "_summaries", None) is not None:
            opt.set_train_summary(self._summaries[0])
            if val is not None:
                opt.set_val_summary(self._summaries[1])
        if getattr(self, "_checkpoint", None) is not None:
            opt.set_checkpoint(self._checkpoint[0], EveryEpoch(), self._checkpoint[1])
        opt.optimize()
        return opt.history

    def evaluate(self, x, y=None, batch_size=32):
        """The compiled metrics (the loss if none) on ``(x, y)`` or an RDD of Samples: a
        list of floats."""
        owner = f"{type(self).__name__}.evaluate"
        _, criterion, kind, metrics = self._compiled(owner)
        self._check_x(x, owner)
        data = training_data(x, y, kind, self._label_base, owner, False)
        args = data if isinstance(data, tuple) else (data,)
        results = self.net.evaluate(*args, batch_size, metrics or [Loss(criterion)])
        return [float(r.result) for r in results]

    def predict(self, x, batch_size=32):
        """The network's outputs for the samples ``x`` (evaluation mode)."""
        self._check_x(x, f"{type(self).__name__}.predict")
        return self.net.predict(x, batch_size)

    def predict_classes(self, x, batch_size=32):
        """Class indices ``argmax(predict(x), -1)``, counted from ``_label_base``."""
        self._check_x(x, f"{type(self).__name__}.predict_classes")
        return self.net.predict_class(x, batch_size) - 1 + self._label_base

    def forward(self, x):
        """The network's forward pass on one batch (the mode is the network's)."""
        return self.net.forward(x)

    def get_weights(self):
        return self.net.get_weights()

    def set_weights(self, weights):
        self.net.set_weights(weights)
        return self
