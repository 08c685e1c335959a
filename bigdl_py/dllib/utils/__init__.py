"""BigDL 2.x's ``bigdl.dllib.utils`` package path."""
