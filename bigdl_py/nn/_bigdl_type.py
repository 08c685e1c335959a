"""BigDL's trailing ``bigdl_type="float"|"double"`` argument, accepted by every layer and
criterion constructor (SPEC §12).

``BigDLType`` is the metaclass of ``Module`` and ``Criterion``: it takes ``bigdl_type``
out of the call (as a keyword, or as the last positional argument when that is the string
"float" or "double" -- ``MSECriterion("float")``) and, for ``"double"``, gives a layer
with a ``dtype`` parameter ``dtype="float64"`` unless one was passed.  Parameterless
layers keep the input's dtype whatever ``bigdl_type`` says (SPEC §4).
"""
import inspect

__all__ = ["BigDLType"]

_DTYPES = {"float": "float32", "double": "float64"}


class BigDLType(type):
    def __call__(cls, *args, **kwargs):
        bigdl_type = kwargs.pop("bigdl_type", None)
        if bigdl_type is None and args and isinstance(args[-1], str) and args[-1] in _DTYPES:
            *args, bigdl_type = args
        if bigdl_type is not None:
            if bigdl_type not in _DTYPES:
                raise ValueError(f"{cls.__name__}: expected bigdl_type 'float' or 'double', "
                                 f"got {bigdl_type!r}")
            if bigdl_type == "double" and "dtype" not in kwargs and _takes_dtype(cls):
                kwargs["dtype"] = _DTYPES[bigdl_type]
        return super().__call__(*args, **kwargs)


def _takes_dtype(cls):
    try:
        return "dtype" in inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return False
