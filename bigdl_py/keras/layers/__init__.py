"""BigDL's Keras-style layers (Keras 1.2.2 names) over ``bigdl_py.nn`` modules.

A layer here computes nothing itself: it checks and infers shapes and, when added to a
model, builds the ``bigdl_py.nn`` modules that do the work (``Dense`` is a ``Linear``
plus its activation module).  Shapes exclude the batch dimension.  One module per family,
as BigDL's ``bigdl.dllib.keras.layers``: ``core``, ``convolutional``, ``pooling``,
``normalization``, ``merge``; ``topology`` has ``Input`` and the graph nodes.
"""
from .convolutional import *  # noqa: F401,F403
from .convolutional import __all__ as _conv
from .core import *  # noqa: F401,F403
from .core import __all__ as _core
from .merge import *  # noqa: F401,F403
from .merge import __all__ as _merge
from .normalization import *  # noqa: F401,F403
from .normalization import __all__ as _norm
from .pooling import *  # noqa: F401,F403
from .pooling import __all__ as _pool
from .topology import *  # noqa: F401,F403
from .topology import __all__ as _topo

__all__ = _core + _conv + _pool + _norm + _merge + _topo
