"""The curve checks' shared helpers: which validation metric they read when several are logged and the user named
none; what "not enough to judge" says when the only validation curve has a name of unknown direction."""

from __future__ import annotations

from pathlib import Path

import pytest

import gapdoctor
from gapdoctor.causes.curves import val_metric_curve
from gapdoctor.inputs.evidence import Evidence
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
