"""label_noise.own_uncertainty: confident learning's expected rate on labels drawn from the model's probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from gapdoctor.causes.label_noise.confident_learning import find_label_issues
from gapdoctor.causes.label_noise.own_uncertainty import own_uncertainty_rate
from tests.causes.label_noise_data import noisy_split


def _drawn_rates(probs: np.ndarray, draws: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cumulative = np.cumsum(probs, axis=1)
    rates = []
    for _ in range(draws):
        labels = (cumulative < rng.random(len(probs))[:, None]).sum(axis=1).clip(0, probs.shape[1] - 1)
        rates.append(find_label_issues(labels.astype(np.int64), probs).noise_rate)
    return np.array(rates)


@pytest.mark.parametrize(("name", "rate"), [("digits", 0.0), ("breast_cancer", 0.2), ("wine", 0.1)])
def test_it_is_what_confident_learning_finds_on_labels_drawn_from_the_probabilities(name: str, rate: float) -> None:
    _, _, probs = noisy_split(name, rate)
    drawn = _drawn_rates(probs, 200)
    expected = own_uncertainty_rate(probs)
    assert abs(expected - drawn.mean()) <= max(4 * drawn.std() / np.sqrt(len(drawn)), 0.002)


def test_a_sure_model_expects_nothing_and_an_unsure_one_a_lot() -> None:
    _, _, probs = noisy_split("digits", 0.0)
    softened = 0.5 * probs + 0.5 / probs.shape[1]  # the same ranking, half as sure
    assert own_uncertainty_rate(probs) < 0.05 < own_uncertainty_rate(softened)


def test_chunks_samples_and_float32_read_the_same_rows_alike() -> None:
    _, _, probs = noisy_split("digits", 0.1)
    whole = own_uncertainty_rate(probs)
    assert own_uncertainty_rate(probs, chunk_rows=97) == pytest.approx(whole, abs=1e-12)
    assert own_uncertainty_rate(probs.astype(np.float32)) == pytest.approx(whole, abs=1e-5)
    rows = np.arange(0, len(probs), 2)
    assert own_uncertainty_rate(probs, rows=rows) == pytest.approx(own_uncertainty_rate(probs[rows]), abs=1e-12)
