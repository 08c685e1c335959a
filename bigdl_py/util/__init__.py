"""BigDL 0.x's ``bigdl.util`` package path (``bigdl_py.util.common``); bigdl_py's own
helpers live in ``bigdl_py.utils``."""
