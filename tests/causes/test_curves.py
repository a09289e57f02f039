"""Which validation metric the curve checks read when several are logged and the user named none."""

from __future__ import annotations

from pathlib import Path

import pytest

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
