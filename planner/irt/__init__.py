"""Item response theory: calibration, ability estimation and adaptive item choice.

* :mod:`~planner.irt.model`: the 1PL/2PL response function and its information;
* :mod:`~planner.irt.calibrate`: item calibration by marginal maximum likelihood
  (Bock-Aitkin EM) with weak priors and standard errors;
* :mod:`~planner.irt.ability`: EAP ability with its standard error, for one learner
  (also one answer at a time) or many;
* :mod:`~planner.irt.select`: maximum-information item choice with exposure control
  and content balancing, and a whole adaptive test.

Abilities live on the scale of a standard normal population, ``theta ~ N(0, 1)``.
``python -m planner.irt fit RESPONSES.csv --model 2pl --json`` fits a CSV.
"""

from planner.irt.ability import AbilityEstimate, AbilityPosterior, eap, eap_batch
from planner.irt.calibrate import Calibration, ItemParams, Priors, ResponseData, calibrate
from planner.irt.errors import InvalidParameterError, IRTError, ItemBankError, ResponseDataError
from planner.irt.model import (
    ability_standard_error,
    item_information,
    log_likelihood,
    probability,
    test_information,
)
from planner.irt.select import (
    AdaptiveTestResult,
    BankItem,
    adaptive_test,
    select_item,
    sympson_hetter_parameters,
)

__all__ = [
    "AbilityEstimate",
    "AbilityPosterior",
    "AdaptiveTestResult",
    "BankItem",
    "Calibration",
    "IRTError",
    "InvalidParameterError",
    "ItemBankError",
    "ItemParams",
    "Priors",
    "ResponseData",
    "ResponseDataError",
    "ability_standard_error",
    "adaptive_test",
    "calibrate",
    "eap",
    "eap_batch",
    "item_information",
    "log_likelihood",
    "probability",
    "select_item",
    "sympson_hetter_parameters",
    "test_information",
]
