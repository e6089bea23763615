from collections import Counter

import numpy as np
import pytest

from planner.irt import (
    BankItem,
    InvalidParameterError,
    ItemBankError,
    adaptive_test,
    item_information,
    select_item,
    sympson_hetter_parameters,
)


@pytest.fixture
def bank():
    rng = np.random.default_rng(0)
    concepts = ["v", "ohm", "kcl"]
    return [
        BankItem(f"q{k}", float(rng.lognormal(0, 0.3)), float(rng.normal()), (concepts[k % 3],))
        for k in range(30)
    ]


def test_picks_the_most_informative_item(bank):
    for theta in (-1.5, 0.0, 2.0):
        pick = select_item(bank, theta)
        info = [float(item_information(theta, it.a, it.b)) for it in bank]
        assert pick.id == bank[int(np.argmax(info))].id


def test_never_repeats_and_ends_when_the_bank_is_spent(bank):
    given = []
    while (item := select_item(bank, 0.0, administered=given)) is not None:
        assert item.id not in given
        given.append(item.id)
    assert sorted(given) == sorted(it.id for it in bank)


def test_randomesque_draws_among_the_best_k_only(bank):
    info = np.array([float(item_information(0.0, it.a, it.b)) for it in bank])
    best5 = {bank[k].id for k in np.argsort(-info)[:5]}
    rng = np.random.default_rng(1)
    picks = Counter(select_item(bank, 0.0, randomesque=5, seed=rng).id for _ in range(500))
    assert set(picks) == best5
    assert min(picks.values()) > 60  # roughly uniform over the five


def test_sympson_hetter_passes_over_restricted_items(bank):
    best = select_item(bank, 0.0)
    capped = [BankItem(it.id, it.a, it.b, it.concepts, 0.2 if it.id == best.id else 1.0)
              for it in bank]
    rng = np.random.default_rng(2)
    n = 1000
    hits = sum(select_item(capped, 0.0, sympson_hetter=True, seed=rng).id == best.id
               for _ in range(n))
    assert abs(hits / n - 0.2) < 0.05


def test_content_balancing_follows_the_largest_shortfall(bank):
    targets = {"v": 0.5, "ohm": 0.25, "kcl": 0.25}
    given = [it.id for it in bank if it.concepts == ("v",)][:1]
    pick = select_item(bank, 0.0, administered=given, content_targets=targets)
    assert pick.concepts[0] in {"ohm", "kcl"}  # "v" already has 100 % of one item


def test_adaptive_test_meets_the_content_targets(bank):
    targets = {"v": 0.5, "ohm": 0.25, "kcl": 0.25}
    res = adaptive_test(bank, lambda it: it.b < 0.3, max_items=12, content_targets=targets,
                        seed=0)
    by_id = {it.id: it for it in bank}
    counts = Counter(by_id[i].concepts[0] for i in res.administered)
    assert counts == {"v": 6, "ohm": 3, "kcl": 3}


def test_multi_concept_items_count_a_share_to_each():
    bank = [BankItem("both", 2.0, 0.0, ("v", "ohm")), BankItem("v1", 1.0, 0.0, ("v",)),
            BankItem("o1", 1.0, 0.0, ("ohm",))]
    pick = select_item(bank, 0.0, administered=["both", "v1"],
                       content_targets={"v": 1, "ohm": 1})
    assert pick.id == "o1"


def test_adaptive_test_converges_on_a_simulated_learner(bank):
    rng = np.random.default_rng(3)
    big = [BankItem(f"q{k}", 1.5, float(b)) for k, b in enumerate(np.linspace(-3, 3, 80))]
    errors = []
    for true in (-1.5, 0.0, 1.2):
        res = adaptive_test(
            big, lambda it, t=true: rng.random() < 1 / (1 + np.exp(-it.a * (t - it.b))),
            max_items=25, seed=rng,
        )
        errors.append(abs(res.ability.theta - true))
        assert res.ability.se < 0.45
        assert len(res.trace) == len(res.administered) == 25
    assert np.mean(errors) < 0.6


def test_adaptive_test_stops_at_the_target_precision():
    big = [BankItem(f"q{k}", 2.0, float(b)) for k, b in enumerate(np.linspace(-3, 3, 60))]
    res = adaptive_test(big, lambda it: it.b < 0.0, max_items=60, se_target=0.4, seed=0)
    assert res.ability.se < 0.4
    assert len(res.administered) < 60
    assert res.trace[-2].se >= 0.4  # it stopped at the first answer under target


def test_sympson_hetter_tuning_lowers_the_busiest_item():
    rng = np.random.default_rng(4)
    bank = [BankItem(f"q{k}", float(rng.lognormal(0, 0.4)), float(rng.normal()))
            for k in range(24)]
    _, free = sympson_hetter_parameters(bank, max_rate=1.0, test_length=4, n_simulees=150,
                                        iterations=1, seed=5)
    tuned, rates = sympson_hetter_parameters(bank, max_rate=0.3, test_length=4,
                                             n_simulees=150, iterations=5, seed=5)
    assert max(free.values()) > 0.5
    assert max(rates.values()) < max(free.values())
    assert max(rates.values()) < 0.42
    assert any(it.exposure < 1.0 for it in tuned)
    assert sum(rates.values()) == pytest.approx(4.0)  # every simulee got 4 items


def test_bad_banks_and_options_are_refused(bank):
    with pytest.raises(ItemBankError):
        select_item(bank + [bank[0]], 0.0)
    with pytest.raises(ItemBankError):
        select_item(bank, 0.0, randomesque=0)
    with pytest.raises(ItemBankError):
        select_item(bank, 0.0, content_targets={"v": 0.0})
    with pytest.raises(InvalidParameterError):
        BankItem("x", -1.0, 0.0)
    with pytest.raises(InvalidParameterError):
        BankItem("x", 1.0, 0.0, exposure=0.0)
    with pytest.raises(InvalidParameterError):
        sympson_hetter_parameters(bank, max_rate=0.1, test_length=10)
