"""BigDL 2.x's ``bigdl.dllib.optim`` package path."""
