"""Criteria (loss functions), also BigDL's ``bigdl.nn.criterion`` path: the core criteria
(``Criterion``, ``MSECriterion``, ``ClassNLLCriterion``, ``CrossEntropyCriterion``) from
:mod:`bigdl_py.nn.criterion_base` and the others BigDL's examples use from
:mod:`bigdl_py.nn.criterion_extra`; BigDL names bigdl_py lacks resolve to placeholders.
"""
from .._bigdl_paths import reexport
from .criterion_base import ClassNLLCriterion, Criterion, CrossEntropyCriterion, MSECriterion
from .criterion_extra import (AbsCriterion, BCECriterion, KLDCriterion, ParallelCriterion,
                              SmoothL1Criterion)

__all__ = ["Criterion", "MSECriterion", "ClassNLLCriterion", "CrossEntropyCriterion",
           "AbsCriterion", "BCECriterion", "KLDCriterion", "ParallelCriterion",
           "SmoothL1Criterion"]
__getattr__, __dir__, _public = reexport(__name__, "criterion", __all__)
__all__ += _public[len(__all__):]  # BigDL's other criteria: placeholders
