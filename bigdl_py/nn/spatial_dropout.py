"""Spatial dropout: ``SpatialDropout1D/2D/3D`` drop whole feature maps (SPEC §4.1).

BigDL semantics: kept maps are not rescaled in training and evaluation multiplies by
``1-p`` (``scale=True`` gives inverted scaling instead).  The mask has one entry per
(sample, channel), applied over the spatial extent without expanding a full mask.
"""
from .._validate import check_choice
from .dropout import _MaskDropout

__all__ = ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"]


class _SpatialDropout(_MaskDropout):
    """One keep decision per (sample, channel), shared over the spatial axes."""

    # {data_format: {ndim: (layout, shared axes)}}, batched layout first
    _LAYOUTS = {}

    def __init__(self, init_p, data_format, scale, inplace):
        super().__init__(init_p, scale, inplace)
        self.data_format = check_choice(data_format, type(self).__name__, "data_format",
                                        tuple(self._LAYOUTS))

    def _config(self):
        config = {"init_p": self.p, "data_format": self.data_format, "scale": self.scale,
                  "inplace": self.inplace}
        if "NTC" in self._LAYOUTS:  # SpatialDropout1D: one layout, no data_format argument
            del config["data_format"]
        return config

    def _shared_axes(self, shape):
        layouts = self._LAYOUTS[self.data_format]
        spec = layouts.get(len(shape))
        if spec is None:
            accepted = " or ".join(f"{nd}-D {lay}" for nd, (lay, _) in layouts.items())
            where = f" for data_format '{self.data_format}'" if len(self._LAYOUTS) > 1 else ""
            raise ValueError(f"{type(self).__name__}: expected a {accepted} input{where}, "
                             f"got shape {tuple(shape)}")
        return spec[1]


class SpatialDropout1D(_SpatialDropout):
    r"""Drop whole 1-D feature maps: one keep decision per (sample, channel), shared over T.

    Training: :math:`y_{ntc} = m_{nc} x_{ntc}` (``scale=True``: divided by ``1-p``),
    :math:`m_{nc} \sim \mathrm{Bernoulli}(1-p)`; evaluation :math:`x (1-p)` (BigDL), or
    ``x`` with ``scale=True``.  Backward ``g * m`` with the forward's mask.

    Parameters
    ----------
    init_p : float
        Drop probability in [0, 1].
    scale : bool, keyword-only
        Inverted scaling (Keras/PyTorch/Lasagne style) instead of BigDL's.
    inplace : bool, keyword-only
        As ``Dropout``'s: write into the caller's writable float array or Tensor (strided
        views included) and return it; a new array for other input.  (BigDL's
        SpatialDropout has no such flag, hence keyword-only.)

    Shape
    -----
    (N, T, C) or (T, C); the output has the input's shape.

    Examples
    --------
    >>> import numpy as np
    >>> from bigdl_py import RNG
    >>> RNG.set_algorithm("mt19937"); RNG.set_seed(100)
    >>> y = SpatialDropout1D(0.7).forward(np.ones((3, 4, 5)))
    >>> y[:, 0, :]
    array([[0., 0., 1., 0., 0.],
           [0., 0., 1., 1., 1.],
           [1., 1., 0., 1., 0.]])
    >>> bool((y == y[:, :1, :]).all())
    True
    >>> RNG.set_algorithm("philox")
    """

    _LAYOUTS = {"NTC": {3: ("(N, T, C)", {1}), 2: ("(T, C)", {0})}}

    def __init__(self, init_p=0.5, *, scale=False, inplace=False):
        super().__init__(init_p, "NTC", scale, inplace)


# the text SpatialDropout2D and 3D share; each class adds its examples
_MAPS_DOC = """Drop whole {n}-D feature maps: one keep decision per (sample, channel), shared over
    {axes}.  Training ``x * m`` (``scale=True``: ``x * m / (1-p)``), evaluation
    ``x * (1-p)`` (``x`` with ``scale=True``), backward ``g * m`` with the forward's mask.

    Parameters
    ----------
    init_p : float
        Drop probability in [0, 1].
    data_format : {{"NCHW", "NHWC"}}
        Channel axis first or last (case-insensitive).
    scale : bool, keyword-only
        Inverted scaling instead of BigDL's.
    inplace : bool, keyword-only
        As ``Dropout``'s (keyword-only: BigDL's SpatialDropout has no such flag).

    Shape
    -----
    {shapes}
"""


def _maps_doc(n, axes, shapes):
    """Class decorator: ``_MAPS_DOC`` for ``n``-D maps, then the class's own docstring."""
    def decorate(cls):
        cls.__doc__ = _MAPS_DOC.format(n=n, axes=axes, shapes=shapes) + cls.__doc__
        return cls
    return decorate


@_maps_doc(2, "H and W", "NCHW: (N, C, H, W) or (C, H, W); NHWC: (N, H, W, C) or (H, W, C).")
class SpatialDropout2D(_SpatialDropout):
    """
    Examples
    --------
    >>> import numpy as np
    >>> y = SpatialDropout2D(0.5, "NHWC").forward(np.ones((2, 3, 3, 4)))
    >>> bool((y == y[:, :1, :1, :]).all())
    True
    """

    _LAYOUTS = {"NCHW": {4: ("(N, C, H, W)", {2, 3}), 3: ("(C, H, W)", {1, 2})},
                "NHWC": {4: ("(N, H, W, C)", {1, 2}), 3: ("(H, W, C)", {0, 1})}}

    def __init__(self, init_p=0.5, data_format="NCHW", *, scale=False, inplace=False):
        super().__init__(init_p, data_format, scale, inplace)


@_maps_doc(3, "D, H and W",
           "NCHW: (N, C, D, H, W) or (C, D, H, W); NHWC: (N, D, H, W, C) or (D, H, W, C).")
class SpatialDropout3D(_SpatialDropout):
    """
    Examples
    --------
    >>> import numpy as np
    >>> m = SpatialDropout3D(0.25).evaluate()
    >>> m.forward(np.ones((1, 2, 2, 2, 2), np.float32))[0, 0, 0, 0]
    array([0.75, 0.75], dtype=float32)
    """

    _LAYOUTS = {"NCHW": {5: ("(N, C, D, H, W)", {2, 3, 4}), 4: ("(C, D, H, W)", {1, 2, 3})},
                "NHWC": {5: ("(N, D, H, W, C)", {1, 2, 3}), 4: ("(D, H, W, C)", {0, 1, 2})}}

    def __init__(self, init_p=0.5, data_format="NCHW", *, scale=False, inplace=False):
        super().__init__(init_p, data_format, scale, inplace)
