"""Distribution shift, small validation set and pseudo-label noise: confirm, and do not confirm."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

from gapdoctor.causes.pseudo_label_noise.result import NoiseBySource, SourceRate
from gapdoctor.findings import Finding
from tests.experiments.experiment_helpers import FAST, experiment_for, flip_labels, improved_beyond_interval, logistic


def _tree() -> DecisionTreeClassifier:
    return DecisionTreeClassifier(max_depth=3, random_state=0)


def test_shift_resplit_closes_the_gap() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    order = np.argsort(X[:, 21])  # validation: the patients with the highest "worst texture"
    train, val = order[:380], order[380:]
    data = {"X_train": X[train], "y_train": y[train], "X_val": X[val], "y_val": y[val]}
    experiment, _ = experiment_for(Finding("distribution_shift", 0.9, "shift"), _tree(), **data)
    assert experiment is not None and experiment["verdict"] == "confirmed"
    assert improved_beyond_interval(experiment)
    assert len(experiment["details"]["resplit_scores"]) == FAST.n_repeats
    assert experiment["details"]["importance_weighting"]["after"] > experiment["before"]
    # the wrong cause on the same data: dropping random rows does not close the gap
    rows = tuple(np.random.default_rng(0).choice(380, 40, replace=False))
    wrong, _ = experiment_for(Finding("label_noise", 0.9, "noise", rows=rows), _tree(), **data)
    assert wrong is not None and wrong["verdict"] != "confirmed"


def test_shift_not_confirmed_on_a_random_split() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=380, stratify=y, random_state=0)
    data = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
    experiment, _ = experiment_for(Finding("distribution_shift", 0.9, "shift"), _tree(), **data)
    assert experiment is not None and experiment["verdict"] != "confirmed"


@pytest.mark.parametrize(("val_size", "confirmed"), [(40, True), (900, False)])
def test_small_validation_set_by_split_noise(val_size: int, confirmed: bool) -> None:
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=val_size, stratify=y, random_state=0)
    data = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
    experiment, _ = experiment_for(Finding("small_validation_set", 0.9, "small"), logistic(), **data)
    assert experiment is not None
    assert (experiment["verdict"] == "confirmed") is confirmed, experiment["details"]["split_noise_95"]


@pytest.fixture(scope="module")
def pseudo_labelled() -> dict[str, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=800, stratify=y, random_state=0)
    sources = np.where(np.arange(800) < 400, "human", "pseudo")
    pseudo_noisy, _ = flip_labels(y_train[400:], 0.5, 10, seed=0)  # a weak labeller, half wrong
    y_train = np.r_[y_train[:400], pseudo_noisy]
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val, "sources_train": sources}


def _blaming(noisy: str, reference: str) -> Finding:
    """A pseudo_label_noise finding that blames source ``noisy`` (48% flagged) against ``reference`` (3%)."""
    sources: list[SourceRate] = [
        {"source": reference, "n": 400, "noise_rate": 0.03, "low": 0.01, "high": 0.05},
        {"source": noisy, "n": 400, "noise_rate": 0.48, "low": 0.43, "high": 0.53},
    ]
    result = NoiseBySource(
        noisiest_source=noisy,
        noisiest_noise_rate_pct=48.0,
        reference_source=reference,
        reference_noise_rate_pct=3.0,
        excess_pct_points=45.0,
        p_value=1e-30,
        flagged_in_noisiest=192,
        rows_in_noisiest=400,
        flagged_by="confident learning",
        noise_rate_pct_by_source={f"noise_rate_pct[{reference}]": 3.0, f"noise_rate_pct[{noisy}]": 48.0},
        sources=sources,
    )
    return Finding("pseudo_label_noise", 0.9, noisy, check=result.CHECK, result=result)


def test_pseudo_label_noise_dropping_the_source_confirms(pseudo_labelled: dict[str, np.ndarray]) -> None:
    experiment, _ = experiment_for(_blaming("pseudo", "human"), logistic(), **pseudo_labelled)
    assert experiment is not None and experiment["verdict"] == "confirmed"
    assert "'pseudo'" in experiment["intervention"]
    assert improved_beyond_interval(experiment)


def test_pseudo_label_noise_wrong_source_does_not_confirm(pseudo_labelled: dict[str, np.ndarray]) -> None:
    experiment, _ = experiment_for(_blaming("human", "pseudo"), logistic(), **pseudo_labelled)
    assert experiment is not None and experiment["verdict"] == "refuted"
