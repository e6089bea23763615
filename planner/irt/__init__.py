"""Item response theory: calibration, ability estimation and adaptive item choice.

The 1PL/2PL response model and its information (:mod:`~planner.irt.model`), item
calibration by marginal maximum likelihood (:mod:`~planner.irt.calibrate`).
Abilities live on the scale of a standard normal population.
"""

from planner.irt.calibrate import Calibration, ItemParams, Priors, ResponseData, calibrate
from planner.irt.errors import InvalidParameterError, IRTError, ItemBankError, ResponseDataError
from planner.irt.model import (
    ability_standard_error,
    item_information,
    log_likelihood,
    probability,
    test_information,
)

__all__ = [
    "Calibration",
    "IRTError",
    "InvalidParameterError",
    "ItemBankError",
    "ItemParams",
    "Priors",
    "ResponseData",
    "ResponseDataError",
    "ability_standard_error",
    "calibrate",
    "item_information",
    "log_likelihood",
    "probability",
    "test_information",
]
