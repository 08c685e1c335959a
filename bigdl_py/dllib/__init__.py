"""BigDL 2.x's ``bigdl.dllib`` package layout, re-exporting bigdl_py (SPEC §12):
``bigdl_py.dllib.nn.layer``, ``.nn.criterion``, ``.nn.initialization_method``,
``.optim.optimizer``, ``.utils.common`` and ``.nncontext``."""
