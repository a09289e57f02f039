"""Logs written by the real writers under the settings people use most, read and diagnosed.

Each run memorises random labels (validation cannot improve, the validation loss turns
up as the training loss falls): the verdict is overfitting, whatever the seed; where the
writer's defaults log no training loss, the curve checks say they cannot judge.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor.io import read_history
from tests.helpers import keras_on_torch, lightning_classifier, random_labels, tiny_bert_on_random_tokens

SEEDS = (0, 1, 2)


def _random_label_tensors(seed: int, n: int = 96, dim: int = 32):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    X, y, Xv, yv = random_labels(seed, n, dim)
    return (torch.tensor(X), torch.tensor(y)), (torch.tensor(Xv), torch.tensor(yv))


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("seed", SEEDS)
def test_hf_trainer_evaluating_every_n_steps_with_default_logging_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    transformers = pytest.importorskip("transformers")
    mlflow = pytest.importorskip("mlflow")
    pytest.importorskip("sqlalchemy")
    monkeypatch.chdir(tmp_path)  # MLflow's default store: mlflow.db where the script runs
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    model, rows = tiny_bert_on_random_tokens(seed)

    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"),
        max_steps=160,
        per_device_train_batch_size=16,
        per_device_eval_batch_size=64,
        learning_rate=2e-3,
        eval_strategy="steps",
        eval_steps=10,  # logging_steps left at its default (500): no training loss in log_history
        save_strategy="no",
        report_to=["tensorboard", "mlflow"],
        use_cpu=True,
        disable_tqdm=True,
        seed=seed,
    )
    trainer = transformers.Trainer(model=model, args=args, train_dataset=rows(64), eval_dataset=rows(64))
    trainer.train()
    # read as a finished run is: a script's exit ends its run and flushes what is queued; this test reads in the same
    # process (once, on a loaded CI machine, the last evaluation was not yet in the store)
    mlflow.flush_async_logging()
    if mlflow.active_run() is not None:
        mlflow.end_run()
    state_file = tmp_path / "trainer_state.json"
    trainer.state.save_to_json(str(state_file))

    history = read_history(state_file)
    assert history.unit == "step" and history.n_points == 16  # 16 evaluations, not folded into "epochs"
    assert history.steps is not None and history.steps.tolist() == list(range(10, 170, 10))
    val_loss = history.get("val_loss")
    assert val_loss is not None and int(np.argmin(val_loss)) < len(val_loss) - 3  # it turned up
    event_files = sorted((tmp_path / "out").rglob("events.out.tfevents*"))
    assert event_files, "the Trainer wrote no TensorBoard file"
    from_tensorboard = read_history(event_files[0].parent)  # the same run, as its TensorBoard file holds it
    assert from_tensorboard.n_points == 16 and from_tensorboard.steps is not None
    assert from_tensorboard.steps.tolist() == history.steps.tolist()
    assert np.allclose(from_tensorboard.get("val_loss"), val_loss, rtol=1e-5)  # type: ignore[arg-type]
    from_mlflow = read_history(tmp_path)  # and as MLflow's default store holds it
    assert from_mlflow.steps is not None and from_mlflow.steps.tolist() == history.steps.tolist()
    assert np.allclose(from_mlflow.get("val_loss"), val_loss, rtol=1e-6)  # type: ignore[arg-type]
    # the end-of-training summary's mean train_loss is not a point of the training curve, in either file
    assert not from_tensorboard.has("train_loss") and not from_mlflow.has("train_loss")
    # no training loss was logged (500 > 160 steps): the curve checks cannot judge, and say why
    diagnosis = gapdoctor.diagnose(history=state_file)
    curve_runs = [c for c in diagnosis.checks if c.name.endswith(".curves") and c.cause != "search_noise"]
    assert curve_runs and all(c.status == "skipped" for c in curve_runs)
    assert all("train_loss" in c.reason for c in curve_runs if c.name != "metric_saturation.curves")
    assert not diagnosis.findings


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("seed", SEEDS)
def test_lightning_with_lr_monitor_and_a_test_after_fit(tmp_path: Path, seed: int) -> None:
    pl = pytest.importorskip("lightning.pytorch")
    loggers = pytest.importorskip("lightning.pytorch.loggers")
    callbacks = pytest.importorskip("lightning.pytorch.callbacks")
    torch = pytest.importorskip("torch")
    (X, y), (Xv, yv) = _random_label_tensors(seed)

    class Memoriser(lightning_classifier((32, 128, 2), lambda params: torch.optim.Adam(params, lr=3e-3))):  # type: ignore[misc]
        def validation_step(self, batch, _index):  # type: ignore[no-untyped-def]
            logits = self.net(batch[0])
            self.log("val_loss", torch.nn.functional.cross_entropy(logits, batch[1]))
            # per-step and per-epoch validation series (val_acc_step / val_acc_epoch), as people log them
            self.log("val_acc", (logits.argmax(1) == batch[1]).float().mean(), on_step=True, on_epoch=True)

        def test_step(self, batch, _index):  # type: ignore[no-untyped-def]
            logits = self.net(batch[0])
            self.log("test_loss", torch.nn.functional.cross_entropy(logits, batch[1]))
            self.log("test_acc", (logits.argmax(1) == batch[1]).float().mean())

        def configure_optimizers(self):  # type: ignore[no-untyped-def]
            optimizer = torch.optim.Adam(self.parameters(), lr=3e-3)
            return {"optimizer": optimizer, "lr_scheduler": torch.optim.lr_scheduler.StepLR(optimizer, 20, 0.5)}

    torch.manual_seed(seed)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=16, shuffle=True)
    val_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xv, yv), batch_size=32)
    trainer = pl.Trainer(
        max_epochs=30,
        accelerator="cpu",
        logger=loggers.CSVLogger(tmp_path, name="csv"),
        callbacks=[callbacks.LearningRateMonitor(logging_interval="step")],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        log_every_n_steps=1,
    )
    model = Memoriser()
    trainer.fit(model, loader, val_loader)
    trainer.test(model, val_loader, verbose=False)

    history = read_history(tmp_path / "csv")  # rows with a step and no epoch, and a test row
    assert history.unit == "epoch" and history.n_points == 30
    assert set(history.test) == {"test_loss", "test_accuracy"}
    assert history.has("lr") and history.diverged_at is None
    assert history.train_loss_se is not None  # train_loss_step shows the batch noise
    assert history.has("val_accuracy") and "val_acc_step" in history.ignored  # the per-epoch one is read
    diagnosis = gapdoctor.diagnose(history=tmp_path / "csv")
    assert diagnosis.top is not None and diagnosis.top.cause == "overfitting", diagnosis.findings
    assert not any("diverged" in f.summary for f in diagnosis.findings)
    assert any("test values kept apart" in note for note in diagnosis.notes)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("seed", SEEDS)
def test_keras_csv_logger_appending_two_fits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    keras = keras_on_torch(monkeypatch)
    (X, y), (Xv, yv) = _random_label_tensors(seed)
    X, y, Xv, yv = X.numpy(), y.numpy(), Xv.numpy(), yv.numpy()
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((32,)), keras.layers.Dense(128, activation="relu"), keras.layers.Dense(2, activation="softmax")]
    )
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    csv_file = tmp_path / "training.log"
    logger = keras.callbacks.CSVLogger(str(csv_file), append=True)
    model.fit(X, y, validation_data=(Xv, yv), epochs=5, batch_size=16, verbose=0, callbacks=[logger])
    second = model.fit(X, y, validation_data=(Xv, yv), epochs=25, batch_size=16, verbose=0, callbacks=[logger])

    history = read_history(csv_file)
    assert history.n_points == 25  # the last fit only: its epoch counter started again at 0
    assert np.allclose(history.get("val_loss"), second.history["val_loss"], rtol=1e-6)  # type: ignore[arg-type]
    assert any("2 runs" in note for note in history.notes)
    diagnosis = gapdoctor.diagnose(history=csv_file)
    assert any("2 runs" in note for note in diagnosis.notes)
    assert diagnosis.top is not None and diagnosis.top.cause == "overfitting", diagnosis.findings


def test_tensorboard_run_with_train_and_validation_folders(tmp_path: Path) -> None:
    """Keras' TensorBoard callback layout (it needs TensorFlow, absent here): logs/train and
    logs/validation, tags ``epoch_loss`` / ``epoch_accuracy`` at step = epoch, written by
    TensorBoard's own writer."""
    tensorboard = pytest.importorskip("torch.utils.tensorboard")
    rng = np.random.default_rng(0)
    curves = {
        "train": {"epoch_loss": np.linspace(1.0, 0.1, 8), "epoch_accuracy": np.linspace(0.5, 0.99, 8)},
        "validation": {"epoch_loss": 0.6 + 0.01 * (np.arange(8) - 3) ** 2 + rng.normal(0, 0.001, 8)},
    }
    for split, tags in curves.items():
        writer = tensorboard.SummaryWriter(str(tmp_path / "logs" / split))
        for epoch in range(8):
            for tag, values in tags.items():
                writer.add_scalar(tag, float(values[epoch]), epoch)
        writer.close()
    history = read_history(tmp_path / "logs")
    assert history.n_points == 8
    assert np.allclose(history.get("val_loss"), curves["validation"]["epoch_loss"], rtol=1e-6)  # type: ignore[arg-type]
    assert np.allclose(history.get("train_loss"), curves["train"]["epoch_loss"], rtol=1e-6)  # type: ignore[arg-type]
    assert history.has("train_accuracy")


def test_tensorboard_one_split_folder_of_a_keras_run(tmp_path: Path) -> None:
    """Pointed at Keras' ``validation/`` folder or a file in it, the run is read with ``train/`` beside it
    (said in a note); a ``validation/`` file with no sibling is a validation curve, never a training loss."""
    tensorboard = pytest.importorskip("torch.utils.tensorboard")
    train_loss, val_loss = np.linspace(1.0, 0.1, 6), np.linspace(0.9, 0.7, 6)
    for split, values in {"train": train_loss, "validation": val_loss}.items():
        writer = tensorboard.SummaryWriter(str(tmp_path / "logs" / split))
        for epoch, value in enumerate(values):
            writer.add_scalar("epoch_loss", float(value), epoch)
        writer.close()
    validation_file = next((tmp_path / "logs" / "validation").iterdir())
    for given in (tmp_path / "logs" / "validation", validation_file, tmp_path / "logs" / "train"):
        history = read_history(given)
        assert np.allclose(history.get("val_loss"), val_loss, rtol=1e-6)  # type: ignore[arg-type]
        assert np.allclose(history.get("train_loss"), train_loss, rtol=1e-6)  # type: ignore[arg-type]
        assert any("beside" in note for note in history.notes), history.notes
    alone = tmp_path / "copied" / "validation"
    alone.mkdir(parents=True)
    (alone / validation_file.name).write_bytes(validation_file.read_bytes())
    history = read_history(alone / validation_file.name)
    assert np.allclose(history.get("val_loss"), val_loss, rtol=1e-6)  # type: ignore[arg-type]
    assert not history.has("train_loss")


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # SQLAlchemy's, raised inside MLflow's store
@pytest.mark.parametrize("seed", SEEDS)
def test_mlflow_default_store_of_a_plain_torch_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """MLflow 3.7+ with no tracking URI set writes ``mlflow.db`` (SQLite) where the script runs: the folder
    it ran from, the store, and the store with ``#<run name>`` are each read as the run."""
    mlflow = pytest.importorskip("mlflow")
    pytest.importorskip("sqlalchemy")
    torch = pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    mlflow.set_tracking_uri(None)  # MLflow's default: an earlier test in this process may have set another
    (X, y), (Xv, yv) = _random_label_tensors(seed)
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(32, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    logged: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "val_accuracy": []}
    with mlflow.start_run(run_name=f"memoriser-{seed}"):
        for epoch in range(30):
            losses = []
            for batch in torch.randperm(len(X)).split(16):
                loss = torch.nn.functional.cross_entropy(net(X[batch]), y[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            with torch.no_grad():
                logits = net(Xv)
                values = {
                    "train_loss": float(np.mean(losses)),
                    "val_loss": torch.nn.functional.cross_entropy(logits, yv).item(),
                    "val_accuracy": (logits.argmax(1) == yv).float().mean().item(),
                }
            mlflow.log_metrics(values, step=epoch)
            for name, value in values.items():
                logged[name].append(value)
    assert mlflow.get_tracking_uri().startswith("sqlite:") and (tmp_path / "mlflow.db").is_file()
    for given in (tmp_path, tmp_path / "mlflow.db", f"{tmp_path / 'mlflow.db'}#memoriser-{seed}"):
        history = read_history(given)
        for name, values in logged.items():
            assert np.allclose(history.get(name), values, rtol=1e-12), name  # type: ignore[arg-type]
        assert any(f"(memoriser-{seed}) from the SQLite store" in note for note in history.notes)
    diagnosis = gapdoctor.diagnose(history=tmp_path)  # random labels: memorised wrong labels, the run overfits
    assert diagnosis.top is not None and diagnosis.top.cause in {"overfitting", "label_noise"}, diagnosis.findings
    assert "overfitting" in {f.cause for f in diagnosis.reported}, diagnosis.findings
