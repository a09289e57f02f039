from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from gapdoctor import GapdoctorInputError
from gapdoctor.inputs.history import RunHistory, hinge_point, noise_sd, normalise_series_name, smooth


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


@pytest.mark.parametrize(
    ("series", "words"),
    [
        ({"train_loss": [10**400, 1.0]}, "too large"),
        ({"val_loss": [0.5, 1e308]}, "beyond"),
        ({"val_loss": [0.5, 0.4j]}, "not a number"),
        ({"val_loss": {0.5, 0.4}}, "sequence"),
        ({"val_loss": np.zeros((3, 2))}, "shape"),
        ({"val_accuracy": [0.5, -0.2]}, "below 0"),
        ({"val_perplexity": [3.0, 0.5]}, "below 1"),
    ],
)
def test_values_no_series_can_hold_are_refused(series: dict[str, object], words: str) -> None:
    with pytest.raises(GapdoctorInputError, match=words) as caught:
        RunHistory.from_any(series)
    assert caught.value.argument == f"history[{next(iter(series))!r}]"


def test_negative_cross_entropy_is_refused_but_a_negative_loss_is_not() -> None:
    # Decision: cross-entropy (log_loss, nll, cross_entropy) is never negative, so a negative
    # value under that name is a mislabelled series; a plain train_loss / val_loss may be
    # another loss (a Gaussian negative log-likelihood, an ELBO) and stays accepted.
    for name in ("val_log_loss", "val_cross_entropy", "val_nll"):
        with pytest.raises(GapdoctorInputError, match="below 0"):
            RunHistory.from_any({name: [0.5, -0.1]})
    history = RunHistory.from_any({"train_loss": [-1.0, -2.0], "val_loss": [-0.5, -0.7]})
    assert history.series["val_loss"].tolist() == [-0.5, -0.7]


def test_an_infinite_validation_loss_is_reported_not_dropped() -> None:
    with pytest.raises(GapdoctorInputError, match="infinite at epoch 3") as caught:
        RunHistory.from_any({"train_loss": [1.0, 0.8, 0.6], "val_loss": [1.0, 0.9, math.inf]})
    assert "clip" in caught.value.fix
    # once the training loss has diverged, every series may follow it
    diverged = RunHistory.from_any({"train_loss": [1.0, 5.0, math.inf], "val_loss": [1.0, 6.0, math.inf]})
    assert diverged.diverged_at == 2
