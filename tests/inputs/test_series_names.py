"""Metric names people log, their direction, and the user's override."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor import GapdoctorInputError
from gapdoctor.inputs.history import normalise_series_name
from gapdoctor.io import read_history
from gapdoctor.stats.metrics import metric_info


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("eval_wer", "val_wer"),
        ("eval_cer", "val_cer"),
        ("eval_bleu", "val_bleu"),
        ("eval_rouge1", "val_rouge1"),
        ("eval_rougeLsum", "val_rougelsum"),
        ("eval_mean_token_accuracy", "val_token_accuracy"),
        ("eval_matthews_correlation", "val_mcc"),
        ("eval_overall_f1", "val_f1"),
        ("eval_overall_accuracy", "val_accuracy"),
        ("val/mAP", "val_map"),
        ("val_miou", "val_iou"),
        ("val_dice", "val_dice"),
        ("val_rmse", "val_rmse"),
        ("val_r2_score", "val_r2"),
        ("eval_perplexity", "val_perplexity"),
        ("lr-AdamW", "lr"),
        ("train_loss_batch", "train_loss"),
        ("test_loss", "test_loss"),
        ("eval_samples_per_second", None),
        ("ptl/val_loss", "val_loss"),  # Ray Tune's Lightning example: a namespace before the split's series
        ("ptl/val_accuracy", "val_accuracy"),
        ("ptl/train_loss", "train_loss"),
        ("aux/loss", None),  # a namespace before a name with no split is not taken for the training loss
        ("val/extra/loss", None),  # a first segment naming a split is never dropped
        ("stopped_epoch", ""),  # MLflow's Keras autolog logs EarlyStopping's epochs: not series, no note
        ("restored_epoch", ""),
        ("mean_loss", "train_loss"),  # PointNet's "mean loss: ..." / "eval mean loss: ...": the loss, averaged
        ("eval_mean_loss", "val_loss"),
        ("val_avg_loss", "val_loss"),
        ("avg_loss", "train_loss"),
        ("trn_loss", "train_loss"),  # fastai's training split
        ("trn_acc", "train_accuracy"),
        ("val_cohen", "val_kappa"),  # BIOT's Cohen's kappa (tests/data/real_logs_heldout7/wandb_biot.wandb)
        ("val_cohen_kappa", "val_kappa"),
        ("val_qwk", None),  # a quadratic weighted kappa is another metric
        ("validation_bacc", "val_balanced_accuracy"),
        ("val_aupr", "val_average_precision"),
        ("val_crossentropy", "val_log_loss"),  # Keras: a cross-entropy metric logged under the loss's name
        ("val_mean_io_u", "val_iou"),  # Keras' MeanIoU
        ("val_dice_coef", "val_dice"),
        ("valid_dataset_iou", "val_iou"),  # segmentation_models_pytorch's examples ...
        ("valid_per_image_iou", None),  # ... beside its per-image mean, left unread (two IoUs, one curve)
        ("eval_bleu-4", "val_bleu"),
        ("val_MAPE", "val_mape"),
        ("val/mape", "val_mape"),
        ("val_SMAPE", "val_smape"),
        ("val/psnr", "val_psnr"),
        ("eval_mrr", "val_mrr"),
        ("val_precision_1", "val_precision"),  # Keras numbers a metric's later instances in one session
        ("val_auc_2", "val_roc_auc"),
        ("val_top_5", None),  # a number that is part of a name no metric has stays unread
        ("val_loss_1", None),  # Keras never numbers its losses so: no guess
        ("val_acc@1", "val_accuracy"),  # PyTorch's ImageNet example: top-1 and top-5, no Keras instance
        ("val_Acc@5", "val_top5_accuracy"),
        ("Prec@1", "train_accuracy"),
        ("val_MulticlassAccuracy", "val_accuracy"),  # torchmetrics' MetricCollection keys by class name
        ("train_MulticlassF1Score", "train_f1"),
        ("val/BinaryAUROC", "val_roc_auc"),
        ("val_MultilabelAveragePrecision", "val_average_precision"),
        ("val_MulticlassJaccardIndex", "val_iou"),
        ("val_BinaryMatthewsCorrCoef", "val_mcc"),
        ("val_MeanAbsoluteError", "val_mae"),  # the task-free classes have no prefix
        ("val_R2Score", "val_r2"),
        ("val_WordErrorRate", "val_wer"),
        ("test_MulticlassAccuracy", "test_accuracy"),
        ("val_BinaryHammingDistance", None),  # a class with no metric of gapdoctor's stays unread
        ("val_BinaryCalibrationError", None),
    ],
)
def test_names_people_log(raw: str, expected: str | None) -> None:
    assert normalise_series_name(raw) == expected


@pytest.mark.parametrize(
    ("name", "higher"),
    [
        *(("wer", False), ("cer", False), ("perplexity", False), ("bleu", True), ("kappa", True)),
        *(("mape", False), ("smape", False), ("psnr", True), ("ssim", True), ("mrr", True)),
    ],
)
def test_directions(name: str, higher: bool) -> None:
    assert metric_info(name).greater_is_better is higher


@pytest.mark.parametrize(
    ("log", "series"),
    [
        ("real_logs_heldout7/wandb_biot.wandb", "val_kappa"),  # "val_cohen": Cohen's kappa
        ("real_logs_heldout9/hf_txt_mkgl_train_log.txt", "val_mrr"),  # "eval_mrr": knowledge-graph link prediction
        ("real_logs_heldout4/tb_pl_tarea3_ia_v0.tfevents", "val_psnr"),  # "val/psnr": an autoencoder's PSNR
        ("real_logs_heldout3/pl_demand_forecasting_v4.csv", "val_mape"),  # "val_MAPE" beside RMSE, MAE, SMAPE
        ("real_logs_heldout3/keras_brats2020_capstone.csv", "val_iou"),  # "val_mean_io_u_5": Keras' 6th MeanIoU
    ],
)
def test_metrics_real_logs_name_their_own_way_are_read(log: str, series: str) -> None:
    """Real logs whose validation metric had a name gapdoctor did not know (left unread, said in a note): read
    now, in its direction, and no longer named among the series not understood."""
    history = read_history(Path(__file__).resolve().parents[1] / "data" / log)
    assert history.has(series), (history.series.keys(), history.ignored)
    body = series.removeprefix("val_")
    assert not any(body in name.lower() for name in history.ignored), history.ignored
    assert metric_info(body).greater_is_better is (body not in ("mape",))


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_keras_metric_instances_numbered_in_one_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A notebook that compiles a second model names its metrics ``precision_1``, ``auc_1``, ``mean_io_u_1`` (real
    Keras 3 on torch, logged by its CSVLogger): read as the metrics they are, none left as not understood."""
    from tests.helpers import keras_on_torch

    keras = keras_on_torch(monkeypatch)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(96, 4)).astype("float32")
    y = (X[:, 0] > 0).astype("float32")
    for run in range(2):
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
        metrics = [keras.metrics.Precision(), keras.metrics.AUC(), keras.metrics.MeanIoU(num_classes=2)]
        model.compile("adam", "binary_crossentropy", metrics=metrics)
        log = tmp_path / f"run{run}.csv"
        model.fit(X, y, validation_split=0.25, epochs=4, verbose=0, callbacks=[keras.callbacks.CSVLogger(str(log))])
    assert "val_precision_1" in log.read_text().splitlines()[0]  # the second model's names, as Keras wrote them
    history = read_history(log)
    assert {"val_precision", "val_roc_auc", "val_iou"} <= set(history.series), history.series.keys()
    assert not history.ignored, history.ignored


def test_series_of_a_meaning_already_read_are_not_called_not_understood() -> None:
    """A real YOLO segmentation log: its mask metrics (``metrics/mAP50-95(M)``) mean what its box metrics, read, mean;
    they were listed as "not understood" with advice to pass --metric, which cannot choose them."""
    diagnosis = gapdoctor.diagnose(
        history=Path(__file__).resolve().parents[1] / "data" / "real_logs_heldout16" / "yolo_car_damage_app_seg.csv"
    )
    [shadowed] = [n for n in diagnosis.notes if "meaning one already read" in n]
    assert "metrics/mAP50-95(M)" in shadowed
    assert "lr/pg1" not in shadowed  # the param groups' learning rates are read together (their median)
    assert not [n for n in diagnosis.notes if "not understood" in n and "(M)" in n]


def wer_run() -> dict[str, list[float]]:
    # WER falls to 0.20 at epoch 4 then rises back: lower is better, so this is the overfitting turn
    return {
        "train_loss": [2.0, 1.5, 1.1, 0.8, 0.6, 0.45, 0.33, 0.25, 0.19, 0.15],
        "eval_wer": [0.60, 0.40, 0.28, 0.20, 0.22, 0.26, 0.30, 0.33, 0.36, 0.40],
    }


def test_wer_is_read_lower_is_better() -> None:
    top = gapdoctor.diagnose(history=wer_run(), metric="wer").top
    assert top is not None and top.cause == "overfitting" and top.evidence["val_metric_best_epoch"] in (4, 5)
    assert "was best at" in top.summary and "got worse" in top.summary


def test_a_metric_of_ones_own_with_its_direction() -> None:
    run = wer_run()
    history = {"train_loss": run["train_loss"], "val_my_error": run["eval_wer"]}
    top = gapdoctor.diagnose(history=history, metric="my_error", higher_is_better=False).top
    assert top is not None and top.cause == "overfitting" and top.evidence["metric"] == "my_error"
    with pytest.raises(GapdoctorInputError, match="higher_is_better"):
        gapdoctor.diagnose(history=history, metric="my_error")
    with pytest.raises(GapdoctorInputError, match="higher_is_better"):
        gapdoctor.diagnose(history=history, metric="my_error", higher_is_better="yes")


def test_unknown_series_are_named_in_the_terminal_report(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("epoch,loss,val_loss,val_foo,eval_runtime\n0,1.0,1.0,1,3\n1,0.8,0.9,2,3\n2,0.7,0.85,3,3\n")
    diagnosis = gapdoctor.diagnose(history=log)
    assert any("val_foo" in note and "eval_runtime" not in note for note in diagnosis.notes)
    assert "val_foo" in str(diagnosis)


HELDOUT2 = Path(__file__).resolve().parents[1] / "data" / "real_logs_heldout2"


def test_a_vae_logging_only_named_losses_is_read_through_its_total() -> None:
    """A real Lightning metrics.csv (a VAE): train/val_elbo_loss beside their recon and KL terms, no plain loss."""
    history = read_history(HELDOUT2 / "pl_batch_effect_v3.csv")
    assert {"train_loss", "val_loss"} <= set(history.series)
    assert any("elbo loss (train_elbo_loss, val_elbo_loss) read as the loss" in note for note in history.notes)
    assert "train_recon_loss" in history.ignored and "val_recon_loss" in history.ignored
    diagnosis = gapdoctor.diagnose(history=HELDOUT2 / "pl_batch_effect_v3.csv")
    assert diagnosis.judged


def test_two_named_losses_without_a_total_are_not_guessed(tmp_path: Path) -> None:
    log = tmp_path / "metrics.csv"
    rows = [f"{e},{1 / (e + 1)},{1.1 / (e + 1)},{0.5 / (e + 1)},{0.6 / (e + 1)}" for e in range(6)]
    log.write_text("epoch,train_recon_loss,val_recon_loss,train_kl_loss,val_kl_loss\n" + "\n".join(rows) + "\n")
    with pytest.raises(GapdoctorInputError, match="holds no series gapdoctor can read"):
        read_history(log)


def test_a_loss_logged_per_batch_is_the_training_loss() -> None:
    """A real Lightning metrics.csv whose only series is train_loss_batch: read, with no validation to judge."""
    history = read_history(HELDOUT2 / "pl_wsds_v5.csv")
    assert set(history.series) == {"train_loss"}
    assert not gapdoctor.diagnose(history=HELDOUT2 / "pl_wsds_v5.csv").judged
