"""``Sample``: one training record (features and label), as BigDL's ``Sample``."""
import numpy as np

__all__ = ["Sample", "JTensor"]


class Sample:
    """One record of a distributed training set: its features and a label array.

    An RDD of Samples is what ``Optimizer.create(model, training_set=rdd, ...)`` trains
    on (SPEC §8).  Samples are plain picklable objects holding ndarrays; no JVM.  As in
    BigDL, ``features`` is a list of JTensors and ``label`` a JTensor; a JTensor is a
    numpy array with BigDL's ``to_ndarray()``.

    Attributes
    ----------
    inputs : ndarray or list of ndarray
        The model's input for this record: one array, float32/float64 (integer or bool
        input is converted to float32), any shape, the same shape in every Sample of a
        training set; or, from a list of arrays (BigDL's several feature tensors), the
        inputs of a graph ``Model`` with several inputs, in its ``inputs`` order.
    features : list of JTensor
        BigDL's field: the feature arrays as a list (``[inputs]`` for one array).
    feature : JTensor
        ``features[0]``.
    label : JTensor
        Numeric, any shape: a 0-d array for a scalar label such as a 1-based class.
    labels : list of JTensor
        ``[label]`` (BigDL's field).

    Examples
    --------
    >>> import numpy as np
    >>> s = Sample.from_ndarray(np.zeros(3, np.float32), 2)
    >>> s
    Sample(features=(3,) float32, label=() int64)
    >>> s.features[0].to_ndarray().shape, int(s.label)
    ((3,), 2)
    >>> Sample.from_ndarray([np.zeros(3), np.ones((2, 2))], 1)
    Sample(features=[(3,) float64, (2, 2) float64], label=() int64)
    """

    __slots__ = ("inputs", "label")

    def __init__(self, features, label):
        if isinstance(features, (list, tuple)) and features and all(
                isinstance(f, np.ndarray) for f in features):
            inputs = [_numeric(f, "features", to_float=True).view(JTensor) for f in features]
            self.inputs = inputs[0] if len(inputs) == 1 else inputs
        else:
            self.inputs = _numeric(features, "features", to_float=True).view(JTensor)
        self.label = _numeric(label, "label", to_float=False).view(JTensor)

    @property
    def features(self):
        return list(self.inputs) if isinstance(self.inputs, list) else [self.inputs]

    @property
    def feature(self):
        return self.features[0]

    @property
    def labels(self):
        return [self.label]

    @classmethod
    def from_ndarray(cls, features, labels, bigdl_type="float"):
        """A Sample from a features array (or nested list; or a list of arrays, one per
        input of a graph) and a label (scalar or array)."""
        return cls(features, labels)

    def __reduce__(self):
        f = self.inputs
        plain = [a.view(np.ndarray) for a in f] if isinstance(f, list) else f.view(np.ndarray)
        return (Sample, (plain, self.label.view(np.ndarray)))

    def __repr__(self):
        f = self.inputs
        feats = (f"{f.shape} {f.dtype}" if not isinstance(f, list)
                 else "[" + ", ".join(f"{a.shape} {a.dtype}" for a in f) + "]")
        return f"Sample(features={feats}, label={self.label.shape} {self.label.dtype})"


def _numeric(value, what, to_float):
    try:
        arr = np.asarray(value)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"Sample: expected rectangular numeric {what}, got a ragged "
                         f"{type(value).__name__} ({exc})") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Sample: expected numeric {what}, got dtype {arr.dtype}")
    if to_float and arr.dtype.kind != "f" or arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    return arr


class JTensor(np.ndarray):
    """BigDL's JTensor as a numpy array: ``JTensor.from_ndarray(a)`` views ``a`` (no copy)
    and ``t.to_ndarray()`` gives a plain ndarray back, so BigDL code that passes JTensors
    around (``sample.features[0].to_ndarray()``) runs unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> t = JTensor.from_ndarray(np.arange(3.0))
    >>> t.to_ndarray()
    array([0., 1., 2.])
    """

    @classmethod
    def from_ndarray(cls, a_ndarray, bigdl_type="float"):
        """A JTensor viewing ``a_ndarray`` (None stays None, as in BigDL)."""
        if a_ndarray is None:
            return None
        return np.asarray(a_ndarray).view(cls)

    def to_ndarray(self):
        """This tensor as a plain ndarray (a view)."""
        return self.view(np.ndarray)
