from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from gapdoctor.history import RunHistory, hinge_point, noise_sd, normalise_series_name, smooth


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("loss", "train_loss"),
        ("val_loss", "val_loss"),
        ("eval_loss", "val_loss"),
        ("val/acc", "val_accuracy"),
        ("Validation-F1-Score", "val_f1"),
        ("train_acc_epoch", "train_accuracy"),
        ("accuracy", "train_accuracy"),
        ("val_auc", "val_roc_auc"),
        ("learning_rate", "lr"),
        ("epoch", ""),
        ("step", ""),
        ("val_foo", None),
    ],
)
def test_series_names_are_normalised(raw: str, expected: str | None) -> None:
    assert normalise_series_name(raw) == expected


def test_dataframe_history_with_epoch_column() -> None:
    frame = pd.DataFrame({"epoch": [0, 1, 2], "loss": [1.0, 0.8, 0.6], "val_accuracy": [0.5, 0.6, 0.65]})
    history = RunHistory.from_any(frame)
    assert sorted(history.series) == ["train_loss", "val_accuracy"]
    assert history.n_epochs == 3
    assert history.metrics == ("accuracy",)


def test_nan_epochs_mean_not_measured() -> None:
    history = RunHistory.from_any({"train_loss": [1.0, 0.9, 0.8, 0.7], "val_loss": [1.0, None, 0.9, math.nan]})
    values = history.get("val_loss")
    assert values is not None and np.isnan(values[1]) and np.isnan(values[3])
    assert history.diverged_at is None


def test_training_loss_turning_nan_for_good_is_divergence() -> None:
    history = RunHistory.from_any({"train_loss": [1.0, 0.9, 5.0, math.nan, math.inf]})
    assert history.diverged_at == 3


def test_lenient_mode_drops_unknown_names() -> None:
    history = RunHistory.from_any({"train_loss": [1.0], "eval_runtime_per_sample": [3.0]}, strict=False)
    assert history.ignored == ("eval_runtime_per_sample",)


def test_smoothing_removes_an_isolated_spike() -> None:
    curve = np.linspace(1.0, 0.1, 20)
    spiky = curve.copy()
    spiky[10] = 5.0
    assert abs(smooth(spiky)[10] - curve[10]) < 0.1


def test_noise_estimate_ignores_the_trend() -> None:
    rng = np.random.default_rng(0)
    trend = np.linspace(2.0, 0.2, 200)
    noisy = trend + rng.normal(scale=0.05, size=200)
    assert 0.035 < noise_sd(noisy) < 0.065
    assert noise_sd(trend) < 1e-9


def test_hinge_point_finds_the_knee() -> None:
    t = np.arange(40.0)
    curve = np.where(t < 25, 0.0, (t - 25) * 0.1)
    knee, before, after = hinge_point(curve)
    assert knee == 25
    assert abs(before) < 1e-6 and after == pytest.approx(0.1, abs=1e-6)
