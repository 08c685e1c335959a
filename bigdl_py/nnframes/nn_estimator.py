"""``NNEstimator``/``NNModel`` and ``NNClassifier``/``NNClassifierModel``: BigDL's NNFrames
as ``pyspark.ml`` stages (see the package docstring).

Training is ``DistriOptimizer`` on the DataFrame (Arrow batches into the cached blocks);
prediction is ``bigdl_py.optim._spark_infer.predict`` (an Arrow UDF, the model broadcast
once).  Saving writes Spark ML's metadata (the Params) plus the model in bigdl_py's model
file format (``model.bigdl``) beside it, and for an estimator the criterion's class and
arguments and the optim method (``optim.bigdl``); validation, checkpoint and summary
settings are not saved.  Paths are local (or shared) file-system paths.
"""
import os

from pyspark.ml import Estimator, Model
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.param.shared import HasFeaturesCol, HasLabelCol, HasPredictionCol

from ..nn import criterion as criteria
from ..nn.criterion import Criterion
from ..nn.module import Module
from ..nn.persist import load_model
from ..optim import _spark_infer
from ..optim.distri import DistriOptimizer
from ..optim.optim_method import OptimMethod
from ..optim.sgd import SGD
from ..optim.trigger import MaxEpoch, Trigger
from ._persist import Persisted
from ._persist import criterion_config as _criterion_config

__all__ = ["NNEstimator", "NNModel", "NNClassifier", "NNClassifierModel"]


def _setter(param):
    """Spark ML's ``set<Param>(value)`` (returns self) for the Param named ``param``."""
    def set_param(self, value):
        return self._set(**{param: value})
    set_param.__name__ = set_param.__qualname__ = "set" + param[0].upper() + param[1:]
    return set_param


def _getter(param):
    """Spark ML's ``get<Param>()`` (the value or the default) for the Param ``param``."""
    def get_param(self):
        return self.getOrDefault(getattr(self, param))
    get_param.__name__ = get_param.__qualname__ = "get" + param[0].upper() + param[1:]
    return get_param


class _NNParams(HasFeaturesCol, HasPredictionCol):
    batchSize = Param(Params._dummy(), "batchSize", "global mini-batch size (a multiple of "
                      "the cluster's task slots)", TypeConverters.toInt)
    featureSize = Param(Params._dummy(), "featureSize", "shape of one record's features "
                        "(the flat array is reshaped to it)", TypeConverters.toListInt)

    def __init__(self):
        super().__init__()
        self._setDefault(batchSize=32)

    setFeaturesCol, setPredictionCol = _setter("featuresCol"), _setter("predictionCol")
    setBatchSize, getBatchSize = _setter("batchSize"), _getter("batchSize")

    def _feature_shape(self):
        return self.getOrDefault(self.featureSize) if self.isDefined(self.featureSize) \
            else None


def _check(value, kind, owner, what):
    if not isinstance(value, kind):
        raise TypeError(f"{owner}: expected {what}, got {type(value).__name__}")
    return value


class NNEstimator(Estimator, _NNParams, HasLabelCol, Persisted):
    """Trains ``model`` with ``criterion`` on a DataFrame (BigDL's ``NNEstimator``).

    ``fit(df)`` runs the distributed optimizer on ``featuresCol`` (arrays or ML vectors)
    and ``labelCol`` for ``maxEpoch`` epochs (default 50) with ``setOptimMethod``'s method
    or ``SGD(learningRate)`` (default 1e-3), trains ``model`` in place and returns an
    ``NNModel`` over it.

    Examples
    --------
    >>> from bigdl_py.nn import Linear
    >>> from bigdl_py.nn.criterion import MSECriterion
    >>> est = NNEstimator(Linear(2, 1), MSECriterion()).setBatchSize(4).setMaxEpoch(2)
    >>> est.getBatchSize(), est.getMaxEpoch(), est.getFeaturesCol()
    (4, 2, 'features')
    >>> est.fit(df).transform(df).select("prediction").show()  # doctest: +SKIP
    """

    maxEpoch = Param(Params._dummy(), "maxEpoch", "number of epochs", TypeConverters.toInt)
    learningRate = Param(Params._dummy(), "learningRate", "SGD's learning rate when no "
                         "optim method is set", TypeConverters.toFloat)
    _model_class = None  # NNModel, set below

    def __init__(self, model, criterion, feature_size=None):
        super().__init__()
        owner = type(self).__name__
        self.model = _check(model, Module, owner, "a bigdl_py Module as model")
        self.criterion = _check(criterion, Criterion, owner, "a bigdl_py criterion")
        self._setDefault(maxEpoch=50, learningRate=1e-3)
        if feature_size is not None:
            self._set(featureSize=list(feature_size))
        self._optim_method = self._validation = self._checkpoint = self._summary = None

    # ---- BigDL's setters ---------------------------------------------------------------
    setLabelCol = _setter("labelCol")
    setMaxEpoch, getMaxEpoch = _setter("maxEpoch"), _getter("maxEpoch")
    setLearningRate, getLearningRate = _setter("learningRate"), _getter("learningRate")

    def setOptimMethod(self, value):
        self._optim_method = _check(value, OptimMethod, type(self).__name__,
                                    "an OptimMethod")
        return self

    def setValidation(self, trigger, val_df, val_method, batch_size):
        """Validate on the DataFrame ``val_df`` whenever ``trigger`` fires (BigDL's
        order: trigger, DataFrame, methods, batch size)."""
        _check(trigger, Trigger, type(self).__name__, "a Trigger")
        self._validation = (batch_size, val_df, trigger, list(val_method))
        return self

    def setCheckpoint(self, path, trigger, isOverWrite=True):
        self._checkpoint = (path, trigger, isOverWrite)
        return self

    def setTrainSummary(self, summary):
        self._summary = summary
        return self

    # ---- training ----------------------------------------------------------------------
    def _fit(self, dataset):
        method = self._optim_method or SGD(self.getLearningRate())
        opt = DistriOptimizer(self.model, dataset, self.criterion, MaxEpoch(self.getMaxEpoch()),
                              self.getBatchSize(), method, features_col=self.getFeaturesCol(),
                              label_col=self.getLabelCol(), feature_shape=self._feature_shape())
        if self._validation is not None:
            bs, df, trigger, methods = self._validation
            opt.set_validation(bs, df, trigger, methods)
        if self._checkpoint is not None:
            opt.set_checkpoint(*self._checkpoint)
        if self._summary is not None:
            if not hasattr(opt, "set_train_summary"):
                raise RuntimeError(f"{type(self).__name__}: this bigdl_py has no training "
                                   f"summaries yet")
            opt.set_train_summary(self._summary)
        opt.optimize()
        model = self._model_class(self.model, self._feature_shape())
        for name in ("featuresCol", "predictionCol", "batchSize"):
            model._set(**{name: self.getOrDefault(name)})
        return model

    # ---- persistence -------------------------------------------------------------------
    def _save_payload(self, path):
        self.model.save_model(os.path.join(path, "model.bigdl"), over_write=True)
        if self._optim_method is not None:
            self._optim_method.save(os.path.join(path, "optim.bigdl"), over_write=True)
        return {"criterion": _criterion_config(self.criterion)}

    @classmethod
    def _from_payload(cls, path, metadata):
        config = metadata.get("criterion") or {}
        crit = getattr(criteria, str(config.get("class")), None)
        if not (isinstance(crit, type) and issubclass(crit, Criterion)):
            raise ValueError(f"{cls.__name__}: expected a saved bigdl_py criterion, got "
                             f"{config.get('class')!r}")
        est = cls(load_model(os.path.join(path, "model.bigdl")), crit(**config["args"]))
        optim = os.path.join(path, "optim.bigdl")
        if os.path.exists(optim):
            est.setOptimMethod(OptimMethod.load(optim))
        return est


class NNModel(Model, _NNParams, Persisted):
    """A trained model as a Transformer: ``transform(df)`` adds ``predictionCol`` (the
    model's outputs as arrays), computed in evaluation mode in batches of ``batchSize``."""

    _classes = False

    def __init__(self, model, feature_size=None):
        super().__init__()
        self.model = _check(model, Module, type(self).__name__, "a bigdl_py Module as model")
        if feature_size is not None:
            self._set(featureSize=list(feature_size))

    def _transform(self, dataset):
        return _spark_infer.predict(self.model, dataset, self.getBatchSize(),
                                    classes=self._classes,
                                    features_col=self.getFeaturesCol(),
                                    prediction_col=self.getPredictionCol(),
                                    feature_shape=self._feature_shape())

    def _save_payload(self, path):
        self.model.save_model(os.path.join(path, "model.bigdl"), over_write=True)
        return {}

    @classmethod
    def _from_payload(cls, path, metadata):
        return cls(load_model(os.path.join(path, "model.bigdl")))


class NNClassifierModel(NNModel):
    """``transform(df)`` adds the predicted 1-based class (a double, as BigDL)."""

    _classes = True


class NNClassifier(NNEstimator):
    """``NNEstimator`` for classification: 1-based labels; ``fit`` returns an
    ``NNClassifierModel``."""

    _model_class = NNClassifierModel


NNEstimator._model_class = NNModel
