"""BigDL 2.x's ``bigdl.dllib.nn`` package path."""
