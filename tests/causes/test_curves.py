"""The curve checks' shared helpers: which validation metric they read when several are logged and the user named
none; what "not enough to judge" says when the only validation curve has a name of unknown direction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor.causes.curves import val_metric_curve
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.history import RunHistory
from gapdoctor.io import read_history

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize(
    ("log", "headline"),
    [
        ("real_logs_heldout2/hf_mohammed_datasets.json", "wer"),  # cer and wer: a speech model's headline is WER
        ("real_logs_heldout6/detr_sten_detr.txt", "map"),  # box AP (0.5:0.95) before AP@0.5
        ("real_logs_heldout7/wandb_3dino.wandb", "r2"),  # mae, mse, r2, rmse: R², then RMSE before MAE
        ("real_logs_heldout2/hf_oligation_obligation_scanning.json", "accuracy"),  # the default when logged
        ("real_logs_heldout2/pl_alphalens_v0.csv", "rmse"),  # mae, mape, rmse, smape: RMSE before MAE and MAPE
        ("real_logs_heldout7/wandb_biot.wandb", "accuracy"),  # accuracy, f1 and Cohen's kappa ("val_cohen")
    ],
)
def test_the_headline_metric_of_a_real_log(log: str, headline: str) -> None:
    """Real logs with several validation metrics: the task's headline metric is read, not the alphabet's first
    (cer before wer, mae before rmse); the user's metric, when logged, wins."""
    history = read_history(DATA / log)
    chosen = val_metric_curve(Evidence(), history)
    assert chosen is not None and chosen[0] == headline, (history.metrics, chosen)
    other = next(name for name in history.metrics if name != headline)
    asked = val_metric_curve(Evidence(metric=other), history)
    assert asked is not None and asked[0] == other


def test_a_validation_curve_under_a_name_of_unknown_direction() -> None:
    """A real Lightning log whose only validation series is ``val_score`` (BirdCLEF's metric): "not enough to
    judge" says which series was logged and how to read it, not that no validation curve was logged; read with
    the direction given."""
    log = DATA / "real_logs_heldout11/pl_birdclef_24_v7.csv"
    diagnosis = gapdoctor.diagnose(history=log)
    assert not diagnosis.judged
    reasons = " ".join(check.reason or "" for check in diagnosis.checks)
    assert "(val_score) is no metric gapdoctor knows the direction of" in reasons and "--metric score" in reasons
    assert "has no validation series" not in reasons
    assert gapdoctor.diagnose(history=log, metric="score", higher_is_better=True).judged


def test_the_metric_read_is_said_when_several_were_logged() -> None:
    """A real speech log with CER and WER and no metric named: the diagnosis says WER was read and how to choose;
    with the metric named, or with the default accuracy among several, nothing is said."""
    log = DATA / "real_logs_heldout2/hf_mohammed_datasets.json"
    said = [n for n in gapdoctor.diagnose(history=log).notes if n.startswith("several validation metrics")]
    assert said == [
        "several validation metrics logged (cer, wer) and none named: the curve checks read wer, the task's headline "
        "of them (pass metric= or --metric to read another)"
    ]
    assert not any(n.startswith("several") for n in gapdoctor.diagnose(history=log, metric="cer").notes)
    accuracy_first = DATA / "real_logs_heldout2/hf_oligation_obligation_scanning.json"
    assert not any(n.startswith("several") for n in gapdoctor.diagnose(history=accuracy_first).notes)


def test_a_yolo_run_trained_without_validation_is_not_judged_from_its_placeholder_zeros() -> None:
    """Ultralytics trained with ``val=False`` (its TensorBoard file, tests/data/real_logs_heldout57): every validation
    value 0 but the last epoch's. Read as logged, "overfitting 0.99: validation loss rose 88118999203046%"."""
    log = DATA / "real_logs_heldout57/tb_ultra_yolo_motion_prediction.tfevents"
    history = read_history(log)
    val_loss = history.get("val_loss")
    assert (
        val_loss is not None and int(np.isfinite(val_loss).sum()) == 1 and val_loss[-1] == pytest.approx(2.6436, 1e-4)
    )
    assert any("evaluations that did not run" in note and "39 of 40" in note for note in history.notes)
    diagnosis = gapdoctor.diagnose(history=log)
    assert not diagnosis.judged and not diagnosis.findings, diagnosis.render()
    run = next(c for c in diagnosis.checks if c.name == "overfitting.curves")
    assert "validation curves hold only 1 value(s) over the 40 points" in run.reason


def test_a_validation_curve_of_three_evaluations_in_forty_epochs_is_too_short() -> None:
    # Keras' validation_freq=15 on 40 epochs: three evaluations, beside forty training-loss values
    epochs = np.arange(40)
    val = np.full(40, np.nan)
    val[[14, 29, 39]] = [0.9, 0.7, 1.2]
    diagnosis = gapdoctor.diagnose(history={"loss": 2.0 * np.exp(-epochs / 10), "val_loss": val})
    assert not diagnosis.judged, diagnosis.render()
    run = next(c for c in diagnosis.checks if c.name == "overfitting.curves")
    assert run.status == "skipped" and "only 3 value(s) over the 40 points" in run.reason


def test_a_validation_loss_of_zero_where_training_is_zero_too_is_left_as_logged() -> None:
    # both losses exactly 0 (tests/data/real_logs_heldout60's ft_factory run from step 800): not a placeholder row
    history = RunHistory.from_any({"train_loss": [2.0, 1.0, 0.0, 0.0, 0.0], "val_loss": [2.1, 1.2, 0.0, 0.0, 0.0]})
    assert history.get("val_loss").tolist() == [2.1, 1.2, 0.0, 0.0, 0.0]  # type: ignore[union-attr]
    assert not any("did not run" in note for note in history.notes)
