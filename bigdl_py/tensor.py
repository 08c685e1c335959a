"""``Tensor``: BigDL's Scala Tensor API over a numpy array (zero-copy both ways)."""
import numpy as np

__all__ = ["Tensor", "T", "Float", "Double"]

_DTYPES = {"float32": np.float32, "float64": np.float64, "float": np.float32,
           "double": np.float64}


class _DType:
    """``bigdl_py.Float`` / ``bigdl_py.Double``: the type argument of ``Tensor[Float]``."""

    def __init__(self, name):
        self.name = name
        self.np = np.dtype(name)

    def __repr__(self):
        return "Float" if self.name == "float32" else "Double"


Float = _DType("float32")
Double = _DType("float64")


def _as_dtype(dtype, where="Tensor"):
    if isinstance(dtype, _DType):
        return dtype.np
    if isinstance(dtype, str) and dtype.lower() in _DTYPES:
        return np.dtype(_DTYPES[dtype.lower()])
    if dtype in (np.float32, np.float64) or (isinstance(dtype, np.dtype)
                                             and dtype in (np.float32, np.float64)):
        return np.dtype(dtype)
    raise TypeError(f"{where}: expected dtype float32 or float64, got {dtype!r}")


def T(*values):
    """BigDL's ``T(...)`` table literal, used to build nested tensors: a Python list."""
    return list(values)


class _TensorMeta(type):
    def __getitem__(cls, dtype):
        return _TypedTensor(_as_dtype(dtype, "Tensor[...]"))


class _TypedTensor:
    def __init__(self, dtype):
        self.dtype = dtype

    def __call__(self, *args, **kwargs):
        return Tensor(*args, dtype=self.dtype, **kwargs)

    def __getattr__(self, name):  # Tensor[Float].range(...)
        attr = getattr(Tensor, name)
        return lambda *a, **k: attr(*a, dtype=self.dtype, **k)


class Tensor(metaclass=_TensorMeta):
    """A float32 (default) or float64 n-d array with BigDL's 1-based API."""

    __slots__ = ("_a",)

    def __init__(self, *args, dtype=None):
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            src = args[0]
            if isinstance(src, Tensor):
                src = src._a
            arr = np.array(src)
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"Tensor: expected numbers, got an array of dtype {arr.dtype}")
            if dtype is not None:
                arr = arr.astype(_as_dtype(dtype))
            elif arr.dtype not in (np.float32, np.float64):
                arr = arr.astype(np.float32)
            self._a = np.ascontiguousarray(arr)
            return
        sizes = []
        for s in args:
            if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
                raise ValueError(f"Tensor: expected non-negative int sizes, got {args!r}")
            sizes.append(int(s))
        self._a = np.zeros(sizes, dtype=_as_dtype(dtype) if dtype is not None else np.float32)

    @classmethod
    def from_numpy(cls, a):
        """Wrap a float32/float64 ndarray without copying."""
        if not isinstance(a, np.ndarray) or a.dtype not in (np.float32, np.float64):
            raise TypeError("Tensor.from_numpy: expected a float32 or float64 ndarray, got "
                            f"{type(a).__name__} {getattr(a, 'dtype', '')}".rstrip())
        t = cls.__new__(cls)
        t._a = a
        return t

    def numpy(self):
        """The backing ndarray (shared storage)."""
        return self._a

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype) != self._a.dtype:
            return self._a.astype(dtype)
        return self._a

    @property
    def shape(self):
        return self._a.shape

    @property
    def dtype(self):
        return self._a.dtype

    def __len__(self):
        return len(self._a)

    def __getitem__(self, idx):
        r = self._a[idx]
        return Tensor.from_numpy(r) if isinstance(r, np.ndarray) else r

    def __repr__(self):
        return str(self)

    def __str__(self):
        from ._tostring import tensor_to_string
        return tensor_to_string(self._a)
