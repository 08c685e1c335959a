"""bigdl_py.lasagne: Lasagne's layer API (the seed's noise and dense layers) over
bigdl_py's modules and kernels, without Theano.

Graphs are built from shapes as in Lasagne and evaluated on numpy arrays;
``layers.get_gradients`` adds the backward Theano would have derived::

    from bigdl_py.lasagne import layers, init, nonlinearities

Differences from Lasagne: values are numpy arrays (no symbolic expressions);
parameters are ``utils.Param`` objects (``get_value``/``set_value``/``name``) whose
storage is the bigdl_py module's own; layers with weights take a keyword-only
``dtype`` ("float32" default, or "float64"); random numbers come from
``bigdl_py.RNG``; shape and argument errors are ValueError/TypeError raised at
construction.
"""
from . import init, layers, nonlinearities, utils

__all__ = ["init", "layers", "nonlinearities", "utils"]
