"""Log readers, each fed by the real writer: TensorBoard, Lightning, HF Transformers, Keras, MLflow."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits

import gapdoctor
from gapdoctor import GapdoctorInputError
from gapdoctor.inputs.history import normalise_series_name
from gapdoctor.io import read_history
from tests.helpers import keras_on_torch, lightning_classifier

N_EPOCHS = 30


def overfitting_curves(seed: int = 0) -> dict[str, list[float]]:
    """A run that overfits from epoch 10: val loss turns up, val accuracy gives back 2 points (a network that
    memorises correct labels keeps most of what it learnt; 8 points given back read as wrong labels memorised)."""
    rng = np.random.default_rng(seed)
    e = np.arange(N_EPOCHS, dtype=float)
    return {
        "train_loss": list(1.2 * np.exp(-e / 6) + 0.02 + rng.normal(0, 0.005, N_EPOCHS)),
        "val_loss": list(0.55 + 0.0025 * (e - 10) ** 2 + rng.normal(0, 0.005, N_EPOCHS)),
        "val_accuracy": list(0.85 - 0.001 * np.abs(e - 10) + rng.normal(0, 0.003, N_EPOCHS)),
    }


def digits_tensors(n_train: int = 256, n_val: int = 128):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    tr, va = slice(0, n_train), slice(n_train, n_train + n_val)
    return (torch.tensor(X[tr]), torch.tensor(y[tr])), (torch.tensor(X[va]), torch.tensor(y[va]))


def close(read: np.ndarray | None, expected: list[float], rel: float = 1e-6) -> bool:
    return read is not None and np.allclose(read, expected, rtol=rel, atol=1e-7)


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("train/loss", "train_loss"),
        ("Loss/train", "train_loss"),
        ("Loss/valid", "val_loss"),
        ("Accuracy/val", "val_accuracy"),
        ("eval_accuracy", "val_accuracy"),
        ("val_acc_epoch", "val_accuracy"),
        ("train_loss_step", "train_loss"),
        ("eval_runtime", None),
        ("metrics/accuracy_top1", "val_accuracy"),  # Ultralytics' classifiers
        ("metrics/mAP50-95(M)", "val_map"),  # and its segmenters' mask mAP
        ("metrics/val_loss", "val_loss"),
    ],
)
def test_tag_names_map_to_series(raw: str, expected: str | None) -> None:
    assert normalise_series_name(raw) == expected


# --- TensorBoard -------------------------------------------------------------------------


def write_tensorboard(log_dir: Path, curves: dict[str, list[float]]) -> Path:
    tensorboard = pytest.importorskip("torch.utils.tensorboard")
    tags = {"train_loss": "Loss/train", "val_loss": "Loss/valid", "val_accuracy": "Accuracy/valid"}
    writer = tensorboard.SummaryWriter(str(log_dir))
    for epoch in range(N_EPOCHS):
        for name, tag in tags.items():
            # the accuracy goes through the tensor field, the losses through simple_value
            writer.add_scalar(tag, curves[name][epoch], epoch, new_style=name == "val_accuracy")
        writer.add_histogram("weights", np.linspace(0, 1, 10), epoch)
        writer.add_text("note", f"epoch {epoch}", epoch)
    writer.close()
    return log_dir


def test_tensorboard_directory_and_file_read_back_exactly(tmp_path: Path) -> None:
    curves = overfitting_curves()
    log_dir = write_tensorboard(tmp_path / "run", curves)
    for path in (log_dir, next(log_dir.glob("events.out.tfevents.*"))):
        history = read_history(path)
        assert history.n_epochs == N_EPOCHS
        for name, values in curves.items():
            assert close(history.get(name), values), name  # float32 on disk


def test_tensorboard_batch_losses_at_global_steps_group_into_epochs(tmp_path: Path) -> None:
    """The tutorial loop: training loss every batch, validation every epoch, both at the global step."""
    tensorboard = pytest.importorskip("torch.utils.tensorboard")
    torch = pytest.importorskip("torch")
    (X, y), (Xv, yv) = digits_tensors()
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1)
    writer = tensorboard.SummaryWriter(str(tmp_path / "run"))
    batch_losses: list[list[float]] = []
    val_losses: list[float] = []
    step = 0
    for _epoch in range(3):
        batch_losses.append([])
        for start in range(0, len(y), 32):
            loss = torch.nn.functional.cross_entropy(model(X[start : start + 32]), y[start : start + 32])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            step += 1
            writer.add_scalar("train/loss", loss.item(), step)
            batch_losses[-1].append(loss.item())
        with torch.no_grad():
            val_losses.append(torch.nn.functional.cross_entropy(model(Xv), yv).item())
        writer.add_scalar("val/loss", val_losses[-1], step)
    writer.close()
    history = read_history(tmp_path / "run")
    assert history.n_epochs == 3
    assert close(history.get("train_loss"), [float(np.mean(b)) for b in batch_losses])
    assert close(history.get("val_loss"), val_losses)


def test_tensorboard_overfitting_run_is_diagnosed(tmp_path: Path) -> None:
    log_dir = write_tensorboard(tmp_path / "run", overfitting_curves())
    diagnosis = gapdoctor.diagnose(history=log_dir)
    assert diagnosis.top is not None and diagnosis.top.cause == "overfitting"
    assert diagnosis.top.score >= 0.5


def test_tensorboard_healthy_run_does_not_report_overfitting(tmp_path: Path) -> None:
    e = np.arange(N_EPOCHS, dtype=float)
    rng = np.random.default_rng(1)
    healthy = {
        "train_loss": list(np.exp(-e / 8) + 0.1 + rng.normal(0, 0.003, N_EPOCHS)),
        "val_loss": list(np.exp(-e / 8) + 0.15 + rng.normal(0, 0.003, N_EPOCHS)),
        "val_accuracy": list(0.95 - 0.3 * np.exp(-e / 8) + rng.normal(0, 0.002, N_EPOCHS)),
    }
    diagnosis = gapdoctor.diagnose(history=write_tensorboard(tmp_path / "run", healthy))
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "overfitting")


def test_tensorboard_truncated_file_names_file_and_readable_records(tmp_path: Path) -> None:
    event_file = next(write_tensorboard(tmp_path / "run", overfitting_curves()).glob("events*"))
    blob = event_file.read_bytes()
    event_file.write_bytes(blob[: len(blob) - 7])
    with pytest.raises(GapdoctorInputError, match="truncated") as caught:
        read_history(event_file)
    assert str(event_file) in str(caught.value)
    assert "records were readable" in str(caught.value)


def test_tensorboard_corrupted_byte_fails_the_crc(tmp_path: Path) -> None:
    event_file = next(write_tensorboard(tmp_path / "run", overfitting_curves()).glob("events*"))
    blob = bytearray(event_file.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    event_file.write_bytes(bytes(blob))
    with pytest.raises(GapdoctorInputError, match="corrupted") as caught:
        read_history(tmp_path / "run")
    assert str(event_file) in str(caught.value)


def _image_records_beside_scalars(log_dir: Path, merged: bool) -> tuple[Path, bytes]:
    """An event file with 200 kB images beside its scalars (each its own event, as SummaryWriter writes), or
    in the same event as a scalar (a TF1 merged summary); returns the file and one image's bytes."""
    tensorboard = pytest.importorskip("torch.utils.tensorboard")
    summary_pb2 = pytest.importorskip("tensorboard.compat.proto.summary_pb2")
    pixels = np.random.default_rng(0).integers(0, 255, size=200_000, dtype=np.uint8).tobytes()
    writer = tensorboard.SummaryWriter(str(log_dir))
    curves = overfitting_curves()
    for step in range(len(curves["val_loss"])):
        image = summary_pb2.Summary.Value(tag="sample", image=summary_pb2.Summary.Image(encoded_image_string=pixels))
        values = [summary_pb2.Summary.Value(tag=name, simple_value=v[step]) for name, v in curves.items()]
        if merged:
            writer.file_writer.add_summary(summary_pb2.Summary(value=[*values, image]), step)
        else:
            writer.file_writer.add_summary(summary_pb2.Summary(value=values), step)
            writer.file_writer.add_summary(summary_pb2.Summary(value=[image]), step)
    writer.close()
    return next(log_dir.glob("events*")), pixels


def test_tensorboard_large_records_are_not_checksummed_unless_a_scalar_is_read(tmp_path: Path) -> None:
    """An image's record is skipped unread (a CRC32C in Python costs a second a megabyte: a 115 MB file of
    images took 157 s): damage inside it loses nothing; damage inside a merged summary's image is still found."""
    event_file, pixels = _image_records_beside_scalars(tmp_path / "apart", merged=False)
    before = read_history(event_file)
    blob = bytearray(event_file.read_bytes())
    inside = blob.find(pixels[:64]) + 1000
    blob[inside] ^= 0xFF
    event_file.write_bytes(bytes(blob))
    after = read_history(event_file)
    assert after.n_points == before.n_points == len(overfitting_curves()["val_loss"])
    assert close(after.get("val_loss"), before.get("val_loss"))  # type: ignore[arg-type]
    merged_file, pixels = _image_records_beside_scalars(tmp_path / "merged", merged=True)
    assert read_history(merged_file).n_points == before.n_points
    blob = bytearray(merged_file.read_bytes())
    blob[blob.find(pixels[:64]) + 1000] ^= 0xFF
    merged_file.write_bytes(bytes(blob))
    with pytest.raises(GapdoctorInputError, match=r"corrupted data in record \d+ \(CRC mismatch\)"):
        read_history(merged_file)


def test_directory_with_two_runs_is_ambiguous(tmp_path: Path) -> None:
    write_tensorboard(tmp_path / "runs" / "a", overfitting_curves())
    write_tensorboard(tmp_path / "runs" / "b", overfitting_curves())
    with pytest.raises(GapdoctorInputError, match="2 runs"):
        read_history(tmp_path / "runs")


# --- Lightning CSVLogger (and TensorBoardLogger from the same fit) -----------------------


@pytest.mark.filterwarnings("ignore::UserWarning")  # Lightning's advice on workers and batch counts
@pytest.mark.filterwarnings("ignore::FutureWarning")  # torch/pytree deprecations raised inside Lightning
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_lightning_csv_and_tensorboard_loggers_agree_with_the_fit(tmp_path: Path) -> None:
    pl = pytest.importorskip("lightning.pytorch")
    loggers = pytest.importorskip("lightning.pytorch.loggers")
    torch = pytest.importorskip("torch")
    (X, y), (Xv, yv) = digits_tensors()
    seen: dict[str, list[float]] = {"val_loss": [], "val_acc": [], "train_loss_epoch": []}

    class Digits(lightning_classifier((64, 32, 10), lambda params: torch.optim.SGD(params, lr=0.2))):  # type: ignore[misc]
        def on_train_epoch_end(self) -> None:
            metrics = self.trainer.callback_metrics
            for name in seen:
                seen[name].append(float(metrics[name]))

    torch.manual_seed(0)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=32, shuffle=True)
    val_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xv, yv), batch_size=64)
    trainer = pl.Trainer(
        max_epochs=4,
        accelerator="cpu",
        logger=[loggers.CSVLogger(tmp_path, name="csv"), loggers.TensorBoardLogger(tmp_path, name="tb")],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        log_every_n_steps=2,
    )
    trainer.fit(Digits(), loader, val_loader)

    from_csv = read_history(tmp_path / "csv")  # the directory: finds version_0/metrics.csv
    from_tb = read_history(tmp_path / "tb" / "version_0")
    for history in (from_csv, from_tb):
        assert history.n_epochs == 4
        assert close(history.get("val_loss"), seen["val_loss"])
        assert close(history.get("val_accuracy"), seen["val_acc"])
        assert close(history.get("train_loss"), seen["train_loss_epoch"])  # _epoch wins over _step
        # ... and the per-step values show the batch noise: their spread inside each epoch
        assert "train_loss_step" not in history.ignored
        assert history.train_loss_se is not None and np.isfinite(history.train_loss_se).all()


def test_lightning_csv_truncated_mid_line(tmp_path: Path) -> None:
    """A file copied while its run wrote it: the last line, cut short with no newline after it, is left out and said
    (it was refused: a held-out real results.csv ends so); a short line with a newline after it is still refused."""
    csv_file = tmp_path / "metrics.csv"
    csv_file.write_text("epoch,step,train_loss_epoch,val_loss\n0,7,0.9,\n0,7,,1.1\n1,15,0.8,\n1,15,", encoding="utf-8")
    history = read_history(csv_file)
    assert history.series["train_loss"].tolist() == [0.9] and history.series["val_loss"].tolist() == [1.1]
    assert any("its last line (5) stops after 3 of the header's 4 fields" in note for note in history.notes)
    csv_file.write_text(
        "epoch,step,train_loss_epoch,val_loss\n0,7,0.9,\n0,7,,1.1\n1,15,\n1,15,0.8,\n", encoding="utf-8"
    )
    with pytest.raises(GapdoctorInputError, match="line 4") as caught:
        read_history(csv_file)
    assert str(csv_file) in str(caught.value) and "2 rows were readable" in str(caught.value)


# --- HF Transformers trainer_state.json --------------------------------------------------


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_hf_trainer_state_aggregates_logging_steps_to_epochs(tmp_path: Path) -> None:
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    torch = pytest.importorskip("torch")
    (X, y), (Xv, yv) = digits_tensors()

    class TinyClassifier(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Linear(64, 10)

        def forward(self, x, labels=None):  # type: ignore[no-untyped-def]
            logits = self.net(x)
            return {"loss": torch.nn.functional.cross_entropy(logits, labels), "logits": logits}

    def rows(features, labels):  # type: ignore[no-untyped-def]
        return [{"x": features[i], "labels": labels[i]} for i in range(len(labels))]

    def accuracy(prediction) -> dict[str, float]:  # type: ignore[no-untyped-def]
        return {"accuracy": float((prediction.predictions.argmax(1) == prediction.label_ids).mean())}

    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"),
        num_train_epochs=3,
        per_device_train_batch_size=32,
        per_device_eval_batch_size=64,
        learning_rate=0.05,
        eval_strategy="epoch",
        logging_strategy="steps",
        logging_steps=3,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        disable_tqdm=True,
        seed=0,
    )
    trainer = transformers.Trainer(
        model=TinyClassifier(),
        args=args,
        train_dataset=rows(X, y),
        eval_dataset=rows(Xv, yv),
        compute_metrics=accuracy,
    )
    trainer.train()
    state_file = tmp_path / "trainer_state.json"
    trainer.state.save_to_json(str(state_file))

    log = trainer.state.log_history
    evals = [r for r in log if "eval_loss" in r]
    history = read_history(state_file)
    assert history.n_epochs == 3
    assert close(history.get("val_loss"), [r["eval_loss"] for r in evals])
    assert close(history.get("val_accuracy"), [r["eval_accuracy"] for r in evals])
    train_loss = history.get("train_loss")
    assert train_loss is not None and history.has("lr") and history.has("grad_norm")
    for epoch in range(3):
        logged = [r["loss"] for r in log if "loss" in r and math.ceil(r["epoch"] - 1e-6) == epoch + 1]
        assert logged and min(logged) <= train_loss[epoch] <= max(logged)
    # the end-of-training summary ("train_loss" over the whole run) is not an epoch
    assert not math.isclose(train_loss[-1], next(r["train_loss"] for r in log if "train_runtime" in r))


def test_hf_trainer_state_truncated(tmp_path: Path) -> None:
    state = {"log_history": [{"epoch": 1.0, "eval_loss": 0.5, "step": 10}, {"epoch": 2.0, "eval_loss": 0.4}]}
    text = json.dumps(state, indent=2)
    state_file = tmp_path / "trainer_state.json"
    state_file.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(GapdoctorInputError, match="not valid JSON") as caught:
        read_history(state_file)
    assert str(state_file) in str(caught.value) and "readable up to line" in str(caught.value)


def test_hf_trainer_state_entry_without_step_or_epoch_is_left_out_and_said(tmp_path: Path) -> None:
    state_file = tmp_path / "trainer_state.json"
    state_file.write_text(json.dumps({"log_history": [{"epoch": 1.0, "eval_loss": 0.5}, {"loss": 1}]}))
    history = read_history(state_file)
    assert close(history.get("val_loss"), [0.5]) and history.get("train_loss") is None
    assert any("neither a step nor an epoch" in note for note in history.notes)


def test_hf_trainer_state_with_no_entry_placed_is_refused(tmp_path: Path) -> None:
    state_file = tmp_path / "trainer_state.json"
    state_file.write_text(json.dumps({"log_history": [{"epoch": math.nan, "eval_loss": 0.5}, {"loss": 1}]}))
    with pytest.raises(GapdoctorInputError, match="no log_history entry with a step or an epoch"):
        read_history(state_file)


# --- Keras CSVLogger ---------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_keras_csv_logger_matches_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keras = keras_on_torch(monkeypatch)
    X, y = load_digits(return_X_y=True)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((64,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(10, activation="softmax")]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    csv_file = tmp_path / "training.log"  # Keras' own default name: no .csv suffix, sniffed
    fit = model.fit(
        X[:300] / 16.0,
        y[:300],
        validation_data=(X[300:450] / 16.0, y[300:450]),
        epochs=4,
        batch_size=64,
        verbose=0,
        callbacks=[keras.callbacks.CSVLogger(str(csv_file))],
    )
    history = read_history(csv_file)
    assert history.n_epochs == 4
    for keras_name, name in (("loss", "train_loss"), ("val_loss", "val_loss"), ("val_accuracy", "val_accuracy")):
        assert close(history.get(name), fit.history[keras_name]), name
    assert close(history.get("train_accuracy"), fit.history["accuracy"])


def test_csv_with_fractional_epochs_groups_into_whole_epochs(tmp_path: Path) -> None:
    csv_file = tmp_path / "log.csv"
    csv_file.write_text("epoch,loss,eval_loss\n0.5,1.0,\n1.0,0.8,0.9\n1.5,0.6,\n2.0,0.4,0.7\n", encoding="utf-8")
    history = read_history(csv_file)
    assert history.get("train_loss").tolist() == [0.9, 0.5]  # type: ignore[union-attr]
    assert history.get("val_loss").tolist() == [0.9, 0.7]  # type: ignore[union-attr]


def test_keras_csv_truncated(tmp_path: Path) -> None:
    csv_file = tmp_path / "training.log"
    csv_file.write_text("epoch,accuracy,loss,val_accuracy,val_loss\n0,0.5,1.2,0.6,1.1\n1,0.6,1.0", encoding="utf-8")
    with pytest.raises(GapdoctorInputError, match="line 3") as caught:
        read_history(csv_file)
    assert str(csv_file) in str(caught.value) and "1 rows were readable" in str(caught.value)


# --- MLflow file store -------------------------------------------------------------------


def write_mlflow(root: Path, curves: dict[str, list[float]], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # mlflow 3 keeps the file store behind a flag
    mlflow = pytest.importorskip("mlflow")
    mlflow.set_tracking_uri(f"file:{root}")
    names = {"train_loss": "train/loss", "val_loss": "val/loss", "val_accuracy": "val_acc"}
    try:
        with mlflow.start_run() as run:
            for epoch in range(N_EPOCHS):
                mlflow.log_metrics({names[k]: v[epoch] for k, v in curves.items()}, step=epoch)
    finally:
        mlflow.set_tracking_uri(None)  # MLflow's default again for the tests after this one
    return root / run.info.experiment_id / run.info.run_id


def test_mlflow_run_reads_back_and_is_diagnosed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    curves = overfitting_curves()
    run_dir = write_mlflow(tmp_path / "mlruns", curves, monkeypatch)
    for path in (run_dir, tmp_path / "mlruns"):  # the run, or a store holding one run
        history = read_history(path)
        for name, values in curves.items():
            assert close(history.get(name), values, rel=1e-12), name
    diagnosis = gapdoctor.diagnose(history=run_dir)
    assert diagnosis.top is not None and diagnosis.top.cause == "overfitting"


def test_mlflow_values_logged_without_a_step_in_a_project_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real writer's ``log_metric(key, value)`` without a step writes step 0 for every value; a repository
    commits ``mlruns/`` inside its project folder, with deleted runs in ``mlruns/.trash``."""
    curves = overfitting_curves()
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow = pytest.importorskip("mlflow")
    mlflow.set_tracking_uri(f"file:{tmp_path / 'mlruns'}")
    try:
        with mlflow.start_run() as deleted:
            mlflow.log_metric("val_loss", 1.0)
        mlflow.delete_run(deleted.info.run_id)
        with mlflow.start_run():
            for epoch in range(N_EPOCHS):
                for name, values in curves.items():
                    mlflow.log_metric(name, values[epoch])  # no step
    finally:
        mlflow.set_tracking_uri(None)  # MLflow's default again for the tests after this one
    history = read_history(tmp_path)
    assert history.n_points == N_EPOCHS
    for name, values in curves.items():
        assert close(history.get(name), values, rel=1e-12), name
    assert any("read in the order logged" in note for note in history.notes)


def test_mlflow_folder_whose_only_run_is_deleted_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``mlflow.delete_run`` keeps the run in place, marked deleted in its meta.yaml: the folder holds a log, one
    the reader skips on purpose, and the error says that (it said "holds no log gapdoctor reads"); the run's own
    folder is still read. The real writer's run, and a held-out real repository's (a deleted run committed)."""
    run_dir = write_mlflow(tmp_path / "mlruns", overfitting_curves(), monkeypatch)
    mlflow = pytest.importorskip("mlflow")
    mlflow.tracking.MlflowClient(tracking_uri=f"file:{tmp_path / 'mlruns'}").delete_run(run_dir.name)
    with pytest.raises(GapdoctorInputError, match="marked deleted") as caught:
        read_history(tmp_path)
    assert run_dir.name in str(caught.value) and "restore_run" in str(caught.value)
    assert "lifecycle_stage: deleted" in (run_dir / "meta.yaml").read_text(encoding="utf-8")
    assert read_history(run_dir).n_points == N_EPOCHS
    data = Path(__file__).parents[1] / "data"
    for committed in (  # held-out sets 88 and 148: a repository committed its deleted runs alone
        data / "real_logs_heldout88" / "mlflow_pt_bert_data_augmentation",
        data / "real_logs_heldout148" / "mlflow_id_v3_scrapper",
    ):
        with pytest.raises(GapdoctorInputError, match="marked deleted"):
            read_history(committed)


def test_mlflow_truncated_metric_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_dir = write_mlflow(tmp_path / "mlruns", overfitting_curves(), monkeypatch)
    metric_file = run_dir / "metrics" / "val_acc"
    text = metric_file.read_text()
    metric_file.write_text(text[:-6])
    with pytest.raises(GapdoctorInputError, match=f"line {N_EPOCHS}") as caught:
        read_history(run_dir)
    assert str(metric_file) in str(caught.value) and f"{N_EPOCHS - 1} lines were readable" in str(caught.value)


# --- mapping and bad input ---------------------------------------------------------------


def test_mapping_overrides_automatic_names(tmp_path: Path) -> None:
    csv_file = tmp_path / "log.csv"
    csv_file.write_text("epoch,loss,score,acc\n0,1.0,0.4,0.5\n1,0.8,0.5,0.6\n", encoding="utf-8")
    plain = read_history(csv_file)
    assert "score" in plain.ignored and plain.has("train_accuracy")
    mapped = read_history(csv_file, mapping={"score": "val_f1", "acc": ""})
    assert mapped.get("val_f1").tolist() == [0.4, 0.5]  # type: ignore[union-attr]
    assert not mapped.has("train_accuracy")


def test_mapping_to_an_unknown_name_is_rejected(tmp_path: Path) -> None:
    csv_file = tmp_path / "log.csv"
    csv_file.write_text("epoch,loss\n0,1.0\n", encoding="utf-8")
    with pytest.raises(GapdoctorInputError, match=r"^mapping: 'loss' is mapped to 'banana'"):
        read_history(csv_file, mapping={"loss": "banana"})
    with pytest.raises(GapdoctorInputError, match=r"^mapping: 'los' is not a series"):
        read_history(csv_file, mapping={"los": "train_loss"})


def test_directory_without_a_log(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(GapdoctorInputError, match="holds no log") as caught:
        read_history(tmp_path)
    assert str(tmp_path) in str(caught.value)


def test_binary_file_that_is_no_log(tmp_path: Path) -> None:
    blob = tmp_path / "weights.bin"
    blob.write_bytes(bytes(range(128, 256)))
    with pytest.raises(GapdoctorInputError, match=r"weights\.bin"):
        read_history(blob)


@pytest.mark.parametrize(
    "extra",
    [
        {},  # transformers 4.2x: no logging_steps, no best_global_step, no stateful_callbacks
        {"logging_steps": 500, "eval_steps": 50, "save_steps": 500, "train_batch_size": 8},
        {"best_global_step": 100, "best_metric": 0.3, "stateful_callbacks": {"TrainerControl": {"args": {}}}},
    ],
)
def test_hf_trainer_state_schemas_with_evaluation_every_n_steps(tmp_path: Path, extra: dict[str, object]) -> None:
    log_history: list[dict[str, float]] = []
    for step in range(50, 1550, 50):
        epoch = step / 500
        if step % 500 == 0:
            log_history.append(
                {"epoch": epoch, "learning_rate": 2e-5 * (1 - step / 1500), "loss": 2.0 - step / 1000, "step": step}
            )
        log_history.append(
            {"epoch": epoch, "eval_loss": 1.0 + abs(step - 700) / 1000, "eval_accuracy": 0.8, "step": step}
        )
    log_history.append({"epoch": 3.0, "step": 1500, "train_loss": 1.2, "train_runtime": 100.0, "total_flos": 1e12})
    state_file = tmp_path / "checkpoint-1500" / "trainer_state.json"
    state_file.parent.mkdir()
    state_file.write_text(json.dumps({"global_step": 1500, "log_history": log_history, **extra}), encoding="utf-8")
    (tmp_path / "checkpoint-500").mkdir()
    (tmp_path / "checkpoint-500" / "trainer_state.json").write_text(
        json.dumps({"global_step": 500, "log_history": log_history[:11]}), encoding="utf-8"
    )
    history = read_history(tmp_path)  # the run's output directory: the latest checkpoint is read
    assert history.n_points == 30 and history.unit == "step"
    assert history.position(13) == "step 700 (epoch 1.4)"
    assert any("checkpoint-1500" in note for note in history.notes)
    assert int(np.isfinite(history.get("train_loss")).sum()) == 3  # type: ignore[arg-type]


def test_lightning_per_step_validation_series_only(tmp_path: Path) -> None:
    """``self.log("val_loss", ..., on_step=True, on_epoch=False)``: one row per validation batch, all at the
    global step of that validation; rows of the learning-rate monitor have a step and no epoch."""
    rows = ["epoch,lr-Adam,step,train_loss_step,val_loss_step"]
    for epoch in range(6):
        for step in range(epoch * 10, epoch * 10 + 10):
            rows += [f",0.001,{step},,", f"{epoch},,{step},{2.0 / (step + 1)},"]
        rows += [f"{epoch},,{epoch * 10 + 9},,{1.0 + 0.01 * batch + 0.1 * abs(epoch - 2)}" for batch in range(3)]
    log = tmp_path / "metrics.csv"
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    history = read_history(log)
    assert history.n_points == 6 and history.unit == "epoch"
    assert close(history.get("val_loss"), [1.01 + 0.1 * abs(e - 2) for e in range(6)])
    assert history.has("lr") and history.train_loss_se is not None


def test_hf_trainer_state_written_before_the_first_log_is_read_as_nothing_yet(tmp_path: Path) -> None:
    state_file = tmp_path / "trainer_state.json"
    state_file.write_text(json.dumps({"global_step": 0, "log_history": [], "max_steps": 1000}), encoding="utf-8")
    history = read_history(state_file)
    assert history.n_points == 0 and any("logged nothing yet" in note for note in history.notes)
    diagnosis = gapdoctor.diagnose(history=state_file)
    curve_runs = [c for c in diagnosis.checks if c.name.endswith(".curves") and c.cause != "search_noise"]
    assert all(c.status == "skipped" and c.reason.startswith("not enough to judge") for c in curve_runs)
    assert not diagnosis.findings


def test_mlflow_project_folder_with_two_live_runs_exits_2_naming_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A project folder whose mlruns/ holds two runs (the real writer's): which to read is the user's call."""
    from gapdoctor.cli import EXIT_BAD_INPUT, main

    first = write_mlflow(tmp_path / "mlruns", overfitting_curves(), monkeypatch)
    second = write_mlflow(tmp_path / "mlruns", overfitting_curves(), monkeypatch)
    assert main(["diagnose", "--history", str(tmp_path)]) == EXIT_BAD_INPUT
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("gapdoctor: bad input: ") and "holds 2 MLflow runs" in lines[0]
    assert first.name in lines[0] and second.name in lines[0] and "Fix: point at one run" in lines[0]
