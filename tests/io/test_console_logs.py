"""Console output of real training loops saved to a file, read and diagnosed.

Each run memorises random labels (validation cannot improve, the validation loss turns up as the
training loss falls), so the verdict is overfitting whatever the seed; the values read from the
console are those the loop's own history holds, to the digits the console printed.
"""

from __future__ import annotations

import contextlib
import json
import math
import pprint
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gapdoctor
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.io import read_history
from gapdoctor.io.console_logs import console_runs
from gapdoctor.io.epoch_lines import line_values
from tests.helpers import keras_on_torch, lightning_classifier, random_labels, run_cli, tiny_bert_on_random_tokens

SEEDS = (0, 1, 2)


@contextlib.contextmanager
def _console(path: Path):  # type: ignore[no-untyped-def]
    """Standard output and error into one file, as ``python train.py > train.log 2>&1`` saves them."""
    with open(path, "w", encoding="utf-8") as out, contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        yield


def _keras_model(keras, seed: int):  # type: ignore[no-untyped-def]
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((32,)), keras.layers.Dense(128, activation="relu"), keras.layers.Dense(2, activation="softmax")]
    )
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize(("seed", "verbose"), [(0, 1), (1, 1), (2, 2)])
def test_keras_fit_printed_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, verbose: int) -> None:
    keras = keras_on_torch(monkeypatch)
    X, y, Xv, yv = random_labels(seed)
    model = _keras_model(keras, seed)
    log = tmp_path / "nohup.out"
    with _console(log):
        model.fit(X, y, validation_data=(Xv, yv), epochs=5, batch_size=16, verbose=verbose)
        second = model.fit(X, y, validation_data=(Xv, yv), epochs=25, batch_size=16, verbose=verbose)

    history = read_history(log)
    assert history.n_points == 25  # the second fit: its counter started again at Epoch 1/25
    printed = np.round(second.history["val_loss"], 4)  # Keras prints 4 decimals
    assert np.allclose(history.get("val_loss"), printed, atol=1.5e-4)  # type: ignore[arg-type]
    assert np.allclose(history.get("train_loss"), np.round(second.history["loss"], 4), atol=1.5e-4)  # type: ignore[arg-type]
    assert any("2 training runs printed" in note for note in history.notes), history.notes
    diagnosis = gapdoctor.diagnose(history=log)
    assert diagnosis.top is not None and diagnosis.top.cause == "overfitting", diagnosis.findings


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("seed", SEEDS)
def test_keras_history_printed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """``print(history.history)`` after a silent fit: read at full precision; after a printing fit, the same run
    printed twice is one run; a notebook showing it pretty-printed over several lines reads it too."""
    keras = keras_on_torch(monkeypatch)
    X, y, Xv, yv = random_labels(seed)
    model = _keras_model(keras, seed)
    log = tmp_path / "train.log"
    with _console(log):
        fit = model.fit(X, y, validation_data=(Xv, yv), epochs=25, batch_size=16, verbose=0)
        print("done training")
        print(fit.history)
    history = read_history(log)
    assert history.n_points == 25 and np.allclose(history.get("val_loss"), fit.history["val_loss"], rtol=1e-12)  # type: ignore[arg-type]
    assert gapdoctor.diagnose(history=log).top.cause == "overfitting"  # type: ignore[union-attr]

    with _console(log):
        fit = model.fit(X, y, validation_data=(Xv, yv), epochs=6, batch_size=16, verbose=2)
        print({name: [np.float64(v) for v in values] for name, values in fit.history.items()})  # numpy 2's repr
    history = read_history(log)
    assert history.n_points == 6 and not history.notes, history.notes  # one run, not "2 training runs"

    shown = {"output_type": "execute_result", "data": {"text/plain": [pprint.pformat(fit.history, width=60)]}}
    assert shown["data"]["text/plain"][0].count("\n") > 6  # over several lines, as IPython shows it
    cells = [{"cell_type": "code", "source": "history.history", "outputs": [shown]}]
    notebook = tmp_path / "train.ipynb"
    notebook.write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}))
    assert np.allclose(read_history(notebook).get("val_loss"), fit.history["val_loss"], rtol=1e-12)  # type: ignore[arg-type]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_keras_fit_called_an_epoch_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keras = keras_on_torch(monkeypatch)
    X, y, Xv, yv = random_labels(0)
    model = _keras_model(keras, 0)
    log = tmp_path / "train.log"
    val_loss = []
    with _console(log):
        for _ in range(12):  # every fit prints "Epoch 1/1"
            fit = model.fit(X, y, validation_data=(Xv, yv), epochs=1, batch_size=16, verbose=2)
            val_loss.extend(fit.history["val_loss"])
    history = read_history(log)
    assert history.n_points == 12 and history.notes == ()
    assert np.allclose(history.get("val_loss"), np.round(val_loss, 4), atol=1.5e-4)  # type: ignore[arg-type]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("seed", SEEDS)
def test_hf_trainer_printed_logs(tmp_path: Path, seed: int) -> None:
    transformers = pytest.importorskip("transformers")
    model, rows = tiny_bert_on_random_tokens(seed)
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"), num_train_epochs=16, per_device_train_batch_size=16, learning_rate=2e-3,
        eval_strategy="epoch", logging_strategy="epoch", save_strategy="no", report_to=[], use_cpu=True, seed=seed,
    )  # fmt: skip
    trainer = transformers.Trainer(model=model, args=args, train_dataset=rows(64), eval_dataset=rows(64))
    log = tmp_path / "train.log"
    with _console(log):
        trainer.train()  # the progress bar and the logs, as a console shows them
    state = tmp_path / "trainer_state.json"
    trainer.state.save_to_json(str(state))

    from_console, from_state = read_history(log), read_history(state)
    assert from_console.n_points == from_state.n_points == 16
    for name in ("val_loss", "train_loss"):
        assert np.allclose(from_console.get(name), from_state.get(name), rtol=1e-3), name  # type: ignore[arg-type]
    diagnosis, from_file = gapdoctor.diagnose(history=log), gapdoctor.diagnose(history=state)
    assert diagnosis.top is not None and from_file.top is not None
    assert diagnosis.top.cause == from_file.top.cause == "overfitting", diagnosis.findings
    assert math.isclose(diagnosis.top.score, from_file.top.score, abs_tol=0.02)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("seed", SEEDS)
def test_lightning_progress_bar(tmp_path: Path, seed: int) -> None:
    pl = pytest.importorskip("lightning.pytorch")
    torch = pytest.importorskip("torch")
    X, y, Xv, yv = (torch.tensor(a) for a in random_labels(seed))
    base = lightning_classifier((32, 128, 2), lambda p: torch.optim.Adam(p, 3e-3))

    class OnTheBar(base):  # type: ignore[misc, valid-type]
        def training_step(self, batch, _index):  # type: ignore[no-untyped-def]
            loss = torch.nn.functional.cross_entropy(self.net(batch[0]), batch[1])
            self.log("train_loss", loss, on_step=True, on_epoch=True, prog_bar=True)
            return loss

        def validation_step(self, batch, _index):  # type: ignore[no-untyped-def]
            self.log("val_loss", torch.nn.functional.cross_entropy(self.net(batch[0]), batch[1]), prog_bar=True)

    def loader(a, b, shuffle):  # type: ignore[no-untyped-def]
        return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(a, b), batch_size=16, shuffle=shuffle)

    pl.seed_everything(seed)
    trainer = pl.Trainer(
        max_epochs=30, check_val_every_n_epoch=2, callbacks=[pl.callbacks.TQDMProgressBar()],
        logger=pl.loggers.CSVLogger(tmp_path, name="run", version=0), enable_checkpointing=False,
        enable_model_summary=False,
    )  # fmt: skip
    log = tmp_path / "slurm-123.out"
    with _console(log):
        trainer.fit(OnTheBar(), loader(X, y, True), loader(Xv, yv, False))

    from_bar, from_csv = read_history(log), read_history(tmp_path / "run" / "version_0" / "metrics.csv")
    # a validation every second epoch: the bar keeps showing the last one's values, read once; 3 digits shown
    assert from_bar.n_points == from_csv.n_points == 15
    assert from_bar.epochs is not None and from_csv.epochs is not None
    assert from_bar.epochs.tolist() == from_csv.epochs.tolist() == [float(e) for e in range(2, 31, 2)]
    assert np.allclose(from_bar.get("val_loss"), from_csv.get("val_loss"), rtol=5e-3, atol=1e-4)  # type: ignore[arg-type]
    assert np.allclose(from_bar.get("train_loss"), from_csv.get("train_loss"), rtol=5e-3, atol=1e-4)  # type: ignore[arg-type]
    diagnosis = gapdoctor.diagnose(history=log)
    assert diagnosis.top is not None and diagnosis.top.cause == "overfitting", diagnosis.findings


def test_a_notebook_without_training_output(tmp_path: Path) -> None:
    notebook = tmp_path / "analysis.ipynb"
    cells = [{"cell_type": "code", "source": "print(1)", "outputs": [{"output_type": "stream", "text": ["1\n"]}]}]
    notebook.write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}))
    with pytest.raises(GapdoctorInputError, match=r"analysis\.ipynb.*no training output in its 1 cells"):
        read_history(notebook)
    result = run_cli("diagnose", "--history", str(notebook))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no training output" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_dataframe_shown_in_a_notebook_is_no_trainer_table(tmp_path: Path) -> None:
    """``pd.DataFrame(history.history)`` shown as HTML has epoch and loss columns but is no HF progress table:
    read as one, its ``loss`` became a validation loss; only a table with the Trainer's column names is read."""
    table = (
        "<table><thead><tr><th>epoch</th><th>loss</th><th>val_loss</th></tr></thead><tbody>"
        + "".join(f"<tr><td>{e}</td><td>{1 / e:.3f}</td><td>{0.5 + e / 100:.3f}</td></tr>" for e in range(1, 9))
        + "</tbody></table>"
    )
    output = {"output_type": "execute_result", "data": {"text/html": [table], "text/plain": ["<DataFrame>"]}}
    cells = [{"cell_type": "code", "source": "pd.DataFrame(h.history)", "outputs": [output]}]
    notebook = tmp_path / "history.ipynb"
    notebook.write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}))
    with pytest.raises(GapdoctorInputError, match="no training output in its 1 cells"):
        read_history(notebook)


def test_a_bar_redrawn_with_backspaces_and_carriage_returns() -> None:
    """Keras 2 redraws its bar with backspaces (``\\x08``) and ``\\r``: the epoch's values are its last full line."""
    text = (
        "Epoch 1/2\n"
        " 32/100 [=>....] - ETA: 1:02 - loss: 0.9000 - acc: 0.5000" + "\x08" * 60 + "\r"
        "100/100 [======] - 5s 50ms/step - loss: 0.8000 - acc: 0.6000 - val_loss: 0.7000 - val_acc: 0.6500\n"
        "Epoch 2/2\n 32/100 [=>....] - ETA: 0s - loss: 0.5000\r"
        "100/100 [======] - 5s 50ms/step - loss: 0.6000 - acc: 0.7000 - val_loss: 0.7500 - val_acc: 0.6000\n"
    )
    (run,) = console_runs(text)
    assert sorted((epoch, name, value) for name, _, epoch, value in run.points if name.startswith("val_")) == [
        (1.0, "val_acc", 0.65), (1.0, "val_loss", 0.7), (2.0, "val_acc", 0.6), (2.0, "val_loss", 0.75),
    ]  # fmt: skip
    assert {name for name, *_ in run.points} == {"loss", "acc", "val_loss", "val_acc"}  # no "ETA"


def test_fairseq_lines_of_three_versions() -> None:
    """fairseq's epoch-end and validation lines, bare, behind ``| INFO | valid |`` and behind hydra's prefix;
    a validation every N updates falls between epochs, and a progress line (``loss=...``) is no point."""
    text = (
        "epoch 001:    185 / 282 loss=3.153, nll_loss=1.243, ppl=8.89, wps=132396, num_updates=200, lr=0.0001\n"
        "2023-06-13 17:32:41 | INFO | valid | epoch 001 | valid on 'valid' subset | loss 12.677 | ppl 6550.94 | "
        "bleu 29.52 | wps 88225 | num_updates 282 | best_bleu 30.53\n"
        "2023-06-13 17:32:53 | INFO | train | epoch 001 | loss 13.1 | ppl 7000 | num_updates 282 | lr 0.0001 | "
        "gnorm 2.5 | train_wall 100 | wall 120\n"
        "| epoch 002 | valid on 'valid' subset | loss 11.0 | ppl 500 | num_updates 564 | best_loss 11.0\n"
        "| epoch 002 | loss 12.0 | ppl 6000 | num_updates 564 | lr 0.0001\n"
        "[2021-01-01 10:00:00,000][valid][INFO] - epoch 003 | valid on 'valid' subset | loss 10.5 | num_updates 700\n"
        "[2021-01-01 10:00:01,000][valid][INFO] - epoch 003 | valid on 'valid' subset | loss 10.2 | num_updates 846\n"
        "[2021-01-01 10:00:01,000][train][INFO] - epoch 003 | loss 11.0 | num_updates 846\n"
    )
    (run,) = console_runs(text)
    assert run.writer == "fairseq"
    validation = [(step, epoch, value) for name, step, epoch, value in run.points if name == "valid_loss"]
    assert [(step, value) for step, _, value in validation] == [
        (282.0, 12.677),
        (564.0, 11.0),
        (700.0, 10.5),
        (846.0, 10.2),
    ]
    assert [epoch for _, epoch, _ in validation][:2] == [1.0, 2.0] and math.isnan(validation[2][1])
    assert {name for name, *_ in run.points} == {
        "valid_loss",
        "valid_ppl",
        "valid_bleu",
        "loss",
        "ppl",
        "lr",
        "grad_norm",
    }
    assert [(s, e) for name, s, e, _ in run.points if name == "loss"] == [(282.0, 1.0), (564.0, 2.0), (846.0, 3.0)]


REAL = Path(__file__).resolve().parents[1] / "data" / "console_logs"  # byte for byte, sources in MANIFEST.csv

# file -> (evaluation points, first and last val_loss, the note naming the run read, or "" for none)
REAL_OUTPUTS = {
    "keras2_verbose1_catsdogs.txt": (40, (0.671, 0.3401), ""),
    "keras2_verbose1_per_update_lines_belgian_ts.txt": (50, (2.4161, 0.2526), "4 training runs printed"),
    "keras2_verbose1_crlf_three_fits_yolo.txt": (5, (11.1048, 10.1713), "3 training runs printed"),
    "keras2_verbose2_lstm_1000ep.txt": (1000, (4.585, 3.5146), ""),
    "keras1_verbose2_epoch_loop_retina.log": (108, (0.2529, 0.1323), ""),
    "keras3_road_surface.txt": (40, (8.6561, 0.0946), ""),
    "notebook_keras_fchollet_overfitting.ipynb": (
        20,
        (0.4704, 0.5358),
        "diagnosed the last with validation values: keras, cell 40",
    ),
    "notebook_keras_handson_ch10.ipynb": (28, (0.0995, 0.0911), "17 training runs printed"),
    "notebook_hf_trainer_text_classification.ipynb": (2, (0.467531, 0.476509), "HF Trainer table, cell 83"),
    "hf_trainer_dicts_two_runs_bert.txt": (10, (0.1370067596435547, 0.031908828765153885), "2 training runs printed"),
    "fairseq_hydra_json_wav2vec2_pretrain.log": (10, (6.389, 3.792), ""),
    "pl_tqdm_val_postfix_yolov3.txt": (40, (28.1, 5.58), ""),
}


@pytest.mark.parametrize("name", sorted(REAL_OUTPUTS))
def test_real_console_outputs(name: str) -> None:
    """Each writer's layout as a real run left it: progress updates kept one per line, CRLF, several fits, a
    loop of one-epoch fits whose checkpoint lines come first, Keras 3's bars beside its summary box, notebook
    outputs with elided lines, HF's tables of a hyper-parameter search, fairseq's JSON lines, a Lightning bar
    showing the last epoch's values while the next one runs (each value checked against the file's text)."""
    points, (first, last), note = REAL_OUTPUTS[name]
    history = read_history(REAL / name)
    val_loss = history.get("val_loss")
    assert history.n_points == points and val_loss is not None
    assert history.epochs is not None and history.epochs.tolist() == [float(e) for e in range(1, points + 1)]
    assert math.isclose(val_loss[0], first, rel_tol=1e-9) and math.isclose(val_loss[-1], last, rel_tol=1e-9)
    assert any(note in n for n in history.notes) if note else not history.notes, history.notes


def test_real_outputs_read_whole_and_diagnosed() -> None:
    """fchollet's dropout model (the notebook's last fit) overfits from epoch 4: the headline says so; the
    1000-epoch LSTM whose validation loss is lowest at epoch 189 (3.09) and 3.51 at its end is overfitting too."""
    for name in ("notebook_keras_fchollet_overfitting.ipynb", "keras2_verbose2_lstm_1000ep.txt"):
        diagnosis = gapdoctor.diagnose(history=REAL / name)
        assert diagnosis.top is not None and diagnosis.top.cause == "overfitting", (name, diagnosis.findings)


_LOOP_PRINTS = {  # the per-epoch line of hand-written loops, as people write it
    "commas": "Epoch {e}/{n}, Train Loss: {tl:.4f}, Val Loss: {vl:.4f}, Val Acc: {va:.2f}%",
    "bars": "epoch [{e0}/{n}] | train_loss={tl:.4f} | val_loss={vl:.4f} | val_accuracy={va100:.4f} | time: 0.3s",
    "two lines": "Epoch: {e}\ttrain loss: {tl:.4f}\ttrain acc: {ta:.4f}\n"
    "Epoch: {e}\tvalid loss: {vl:.4f}\tvalid acc: {va100:.4f}",
    # PyTorch's transfer-learning tutorial: a header, then a line per phase (its ``Epoch 0/24`` is no Keras header)
    "tutorial": "Epoch {e0}/{n}\n----------\ntrain Loss: {tl:.4f} Acc: {ta:.4f}\nval Loss: {vl:.4f} Acc: {va100:.4f}\n",
    "sections": "Epoch {e} | Train: loss={tl:.4f}, acc={ta:.4f} | Val: loss={vl:.4f}, acc={va100:.4f}",
    "bare": "epoch {e}: train loss {tl:.4f}, val loss {vl:.4f}, val acc {va:.2f} %",
    # values under a split's name alone are its loss; a section ends at "|" (lr is no validation series)
    "split names": "Epoch {e:4d}/{n} | train: {tl:.4f} | val: {vl:.4f} | lr: 0.003000 | val acc: {va:.2f}%",
    "bracketed": "[{e:3d}/{n}] train_loss: {tl:.4f}  val_loss: {vl:.4f}  val_acc: {va100:.4f}",  # no word "epoch"
    "camel case": "epoch:{e}, trainLoss:{tl:.4f}, valLoss:{vl:.4f}, trainAcc:{ta:.4f}, valAcc:{va100:.4f}",
    "trn": "Epoch {e:2d}/{n} | trn_loss: {tl:.4f}  trn_acc: {ta:.4f} | val_loss: {vl:.4f}  val_acc: {va100:.4f}",
    # a logger's line: names in PascalCase, each split's word capitalised (tests/data/real_logs_heldout14)
    "pascal case": "2026-05-08 22:49:56 | INFO | Epoch [{e:03d}/{n}] TrainLoss={tl:.4f} TrainAcc={ta:.4f} | "
    "ValLoss={vl:.4f} ValAcc={va:.2f}% | LR=1.00e-04 | Time=0.3s",
    # a metric's values per split, a course's "cost" for the loss (tests/data/real_logs_heldout20)
    "grouped": "epoch: {e} (cost: train {tl:.4f} val {vl:.4f}) (accuracy: train {ta:.4f} val {va100:.4f})",
    # values ending in an ellipsis (tests/data/real_logs_heldout20's DCCRN log)
    "ellipsis": "Epoch: {e}/{n}... Loss: {tl:.6f}... Val Loss: {vl:.6f}... Val Acc: {va100:.4f}... time: 0.3min",
    # "name is value" after a split's section (tests/data/real_logs_heldout147's MLP-Mixer notebook: refused before)
    "is": "Epoch {e0}, time 0.3 min , train acc  {ta:.4f}, train loss {tl:.4f} , val acc is {va100:.4f}, loss is "
    "{vl:.4f}, learning rate is 0.003 ",
}


@pytest.mark.parametrize("style", list(_LOOP_PRINTS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_hand_written_loop_printing_each_epoch(tmp_path: Path, seed: int, style: str) -> None:
    """A plain torch loop memorising random labels, its per-epoch lines printed in six ways people print them
    (a 0-based counter in two; a header and a line per phase; sections; names without a colon), with step lines
    and a final test line around them: read (each phase's values under its own name), and overfitting
    reported (random labels are wrong labels too: with the training accuracy printed, the accuracy given back
    while the training loss falls may put label noise ahead of it, as its root cause)."""
    torch = pytest.importorskip("torch")
    X, y, Xv, yv = (torch.tensor(a) for a in random_labels(seed))
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(32, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    log, val_losses, train_accuracies, n = tmp_path / "output.txt", [], [], 25
    with _console(log):
        print("Using device: cpu")
        for epoch in range(n):
            for start in range(0, len(y), 16):
                loss = torch.nn.functional.cross_entropy(model(X[start : start + 16]), y[start : start + 16])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                if start == 32:
                    print(f"Epoch {epoch + 1}, step {start // 16}: loss {loss.item():.4f}")  # within the epoch
            with torch.no_grad():
                train_logits, val_logits = model(X), model(Xv)
                tl = torch.nn.functional.cross_entropy(train_logits, y).item()
                vl = torch.nn.functional.cross_entropy(val_logits, yv).item()
                ta = (train_logits.argmax(1) == y).float().mean().item()
                va = (val_logits.argmax(1) == yv).float().mean().item()
            val_losses.append(vl)
            train_accuracies.append(ta)
            line = _LOOP_PRINTS[style].format(e=epoch + 1, e0=epoch, n=n, tl=tl, vl=vl, ta=ta, va=100 * va, va100=va)
            print(line)
        print(f"Test accuracy: {va:.4f}")
    history = read_history(log)
    assert history.n_points == n and history.epochs is not None and history.epochs.tolist() == list(range(1, n + 1))
    assert np.allclose(history.get("val_loss"), np.round(val_losses, 4), atol=1.5e-4)  # type: ignore[arg-type]
    accuracy = history.get("val_accuracy")
    assert accuracy is not None and float(np.nanmax(accuracy)) <= 1.0  # "Val Acc: 53.12%" read as 0.5312
    if "{ta" in _LOOP_PRINTS[style]:  # each phase's "Acc" under its own name: the training accuracy is its own
        assert np.allclose(history.get("train_accuracy"), np.round(train_accuracies, 4), atol=1.5e-4)  # type: ignore[arg-type]
    diagnosis = gapdoctor.diagnose(history=log)
    assert diagnosis.top is not None and diagnosis.top.cause in {"overfitting", "label_noise"}, diagnosis.findings
    assert any(f.cause == "overfitting" and f.score >= 0.5 for f in diagnosis.findings), diagnosis.findings


def _digits_mlp(
    seed: int, *, hidden: int, lr: float, batch_size: int
) -> tuple[Any, tuple[Any, Any, Any, Any], Any, Callable[[], Iterator[tuple[int, int, Any]]]]:
    """torch, the digits split 1,200 / 597 (shuffled by ``seed``), an MLP, and an epoch of SGD steps yielding
    ``(batch, first row, loss)`` as a loop that prints within its epochs runs them."""
    torch = pytest.importorskip("torch")
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    X, y = torch.tensor(X[order] / 16.0, dtype=torch.float32), torch.tensor(y[order])
    Xt, yt = X[:1200], y[:1200]
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(64, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10))
    optimiser = torch.optim.SGD(model.parameters(), lr=lr)

    def steps() -> Iterator[tuple[int, int, Any]]:
        for batch, start in enumerate(range(0, len(yt), batch_size)):
            loss = torch.nn.functional.cross_entropy(
                model(Xt[start : start + batch_size]), yt[start : start + batch_size]
            )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            yield batch, start, loss

    return torch, (Xt, yt, X[1200:], y[1200:]), model, steps


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pytorch_mnist_example_prints(tmp_path: Path, seed: int) -> None:
    """PyTorch's examples/mnist/main.py prints ``Train Epoch: 3 [640/1437 (44%)]\tLoss: 0.41`` every few batches and
    ``Test set: Average loss: 0.0520, Accuracy: 9832/10000 (98%)`` after each epoch (copied by countless loops): a
    real torch loop on the digits printing so is read with its test accuracy as the share it counts."""
    torch, (_, yt, Xv, yv), model, steps = _digits_mlp(seed, hidden=64, lr=0.05, batch_size=64)
    log, shares, losses = tmp_path / "mnist.log", [], []
    with _console(log):
        for epoch in range(1, 9):
            for batch, start, loss in steps():
                if batch % 5 == 0:
                    done = start + len(yt[start : start + 64])
                    share = 100.0 * done / len(yt)
                    print(f"Train Epoch: {epoch} [{done}/{len(yt)} ({share:.0f}%)]\tLoss: {loss.item():.6f}")
            with torch.no_grad():
                logits = model(Xv)
                test_loss = torch.nn.functional.cross_entropy(logits, yv).item()
                correct = int((logits.argmax(1) == yv).sum())
            percent = 100.0 * correct / len(yv)
            print(f"\nTest set: Average loss: {test_loss:.4f}, Accuracy: {correct}/{len(yv)} ({percent:.0f}%)\n")
            shares.append(correct / len(yv))
            losses.append(round(test_loss, 4))
    history = read_history(log)
    assert history.n_points == 8 and history.get("val_loss").tolist() == losses  # type: ignore[union-attr]
    assert np.allclose(history.get("val_accuracy"), shares, rtol=1e-12)  # type: ignore[arg-type]
    assert history.has("train_loss")


@pytest.mark.parametrize("printed", ["accuracy", "error"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_percentages_under_a_split_name_alone(tmp_path: Path, seed: int, printed: str) -> None:
    """Raschka's course helpers (copied widely; the twenty-first held-out set) print ``Epoch: 001/010 | Batch
    0050/0422 | Loss: 1.5079`` within an epoch and ``Epoch: 001/010 | Train: 90.36% | Validation: 92.77%`` after it:
    a percentage under a split's name alone, read as that split's accuracy when the training ones rise and as its
    error when they fall (a loop printing error rates so), said in a note; unread before (not enough to judge)."""
    torch, (Xt, yt, Xv, yv), model, steps = _digits_mlp(seed, hidden=32, lr=0.02, batch_size=32)
    log, shown, n = tmp_path / "train.log", [], 10
    with _console(log):
        for epoch in range(1, n + 1):
            for batch, _, loss in steps():
                if batch % 10 == 0:
                    batches = f"Batch {batch:04d}/{len(yt) // 32:04d}"
                    print(f"Epoch: {epoch:03d}/{n:03d} | {batches} | Loss: {loss.item():.4f}")
            with torch.no_grad():
                shares = [float((model(a).argmax(1) == b).float().mean()) for a, b in ((Xt, yt), (Xv, yv))]
            if printed == "error":
                shares = [1.0 - share for share in shares]
            print(f"Epoch: {epoch:03d}/{n:03d} | Train: {100 * shares[0]:.2f}% | Validation: {100 * shares[1]:.2f}%")
            print(f"Time elapsed: {0.09 * epoch:.2f} min")
            shown.append(round(100 * shares[1], 2) / 100)
        print("Total Training Time: 0.90 min")
    history = read_history(log)
    assert history.n_points == n and history.has("train_loss")
    assert np.allclose(history.get(f"val_{printed}"), shown, atol=1e-9)  # type: ignore[arg-type]
    assert history.has(f"train_{printed}")
    assert any(f"(train, validation) read as its {printed}" in note for note in history.notes), history.notes
    assert gapdoctor.diagnose(history=history).judged


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_classifier_tutorials_words_under_two_counters(tmp_path: Path, seed: int) -> None:
    """A loop built on PyTorch's classifier tutorial (the twenty-fourth held-out set: unread blind) prints ``Training
    at epoch 1/30``, then ``epoch: 0 lr: ...`` (a second counter, from 0), ``[0] loss: 0.73`` and ``Accuracy of the
    network on the val images: 95 %``: one run of 30 epochs (each counter going back one was read as a restart), its
    validation accuracy from the tutorial's words."""
    torch, (_, _, Xv, yv), model, steps = _digits_mlp(seed, hidden=32, lr=0.02, batch_size=32)
    log, shown, losses, n = tmp_path / "train.log", [], [], 30
    with _console(log):
        print("Start training...")
        for epoch in range(n):
            print(f"Training at epoch {epoch + 1}/{n}")
            print(f"epoch: {epoch} lr: {0.02 * (1 - epoch / n)}")
            total = [float(loss.detach()) for _, _, loss in steps()]
            print(f"[{epoch}] loss: {sum(total) / len(total):.5f}")
            with torch.no_grad():
                percent = round(100 * float((model(Xv).argmax(1) == yv).float().mean()))
            print(f"Accuracy of the network on the val images: {percent} %")
            shown.append(percent / 100)
            losses.append(round(sum(total) / len(total), 5))
    history = read_history(log)
    assert history.n_points == n and history.epochs is not None and history.epochs.tolist() == list(range(1, n + 1))
    assert history.get("val_accuracy").tolist() == shown  # type: ignore[union-attr]
    assert history.get("train_loss").tolist() == losses  # type: ignore[union-attr]
    assert not any("training runs" in note for note in history.notes), history.notes


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batch_lines_under_an_epoch_header(tmp_path: Path, seed: int) -> None:
    """``Epoch: 3`` alone on a line, then the epoch's ``Batch 4,loss:0.612`` lines, then ``Val loss 0.655``
    (tests/data/real_logs_heldout20's finance notebook): the last batch line is the epoch's training loss, said;
    batch lines after an epoch's own summary line are the next epoch's and are never read so (a real torch loop)."""
    torch = pytest.importorskip("torch")
    X, y, Xv, yv = (torch.tensor(a) for a in random_labels(seed))
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(32, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    headed, summarised, last_printed, val_losses, n = tmp_path / "headed.txt", [], [], [], 12
    with _console(headed):
        for epoch in range(n):
            print(f"Epoch: {epoch}")
            for batch, start in enumerate(range(0, len(y), 16), start=1):
                loss = torch.nn.functional.cross_entropy(model(X[start : start + 16]), y[start : start + 16])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                if batch % 2 == 0:
                    print(f"Batch {batch},loss:{loss.item():.3f}")
                    summarised.append(f"Batch {batch},loss:{loss.item():.3f}")
                    printed = round(loss.item(), 3)
            last_printed.append(printed)
            with torch.no_grad():
                vl = torch.nn.functional.cross_entropy(model(Xv), yv).item()
            val_losses.append(round(vl, 3))
            print(f"\nVal loss {vl:.3f}\n" + "*" * 37 + "\n")
            summarised.append(f"Epoch: {epoch} | val_loss: {vl:.3f}")  # the epoch's line after its batch lines
    history = read_history(headed)
    assert history.n_points == n and history.get("val_loss").tolist() == val_losses  # type: ignore[union-attr]
    assert history.get("train_loss").tolist() == last_printed  # type: ignore[union-attr]
    assert any("printed only inside the epochs" in note for note in history.notes), history.notes
    (tmp_path / "after.txt").write_text("\n".join(summarised) + "\n")
    after = read_history(tmp_path / "after.txt")
    assert after.get("val_loss").tolist() == val_losses and not after.has("train_loss"), after.notes  # type: ignore[union-attr]


@pytest.mark.parametrize("seed", [0, 1])
def test_a_training_loss_printed_only_inside_each_epoch(tmp_path: Path, seed: int) -> None:
    """PyTorch's word-language-model example prints its training loss only on its batch lines (``| epoch 3 |
    200/ 12 batches | lr 0.003 | ms/batch 1.25 | loss 0.61 | ppl 1.84``) and the validation loss on ``| end of epoch
    3 | ... | valid loss``: each epoch's last batch line is read as its training loss, said (a real torch loop)."""
    torch = pytest.importorskip("torch")
    X, y, Xv, yv = (torch.tensor(a) for a in random_labels(seed))
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(32, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    log, last_printed, val_losses, n, batches = tmp_path / "train.log", [], [], 12, 6
    with _console(log):
        for epoch in range(1, n + 1):
            running = []
            for batch, start in enumerate(range(0, len(y), 16), start=1):
                loss = torch.nn.functional.cross_entropy(model(X[start : start + 16]), y[start : start + 16])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                running.append(loss.item())
                if batch % 2 == 0:
                    mean = sum(running) / len(running)
                    print(
                        f"| epoch {epoch:3d} | {batch:5d}/{batches:5d} batches | lr 0.003 | ms/batch  1.25 | "
                        f"loss {mean:5.2f} | ppl {math.exp(mean):8.2f}"
                    )
                    running = []
            last_printed.append(round(mean, 2))
            with torch.no_grad():
                vl = torch.nn.functional.cross_entropy(model(Xv), yv).item()
            val_losses.append(round(vl, 2))
            print("-" * 89)
            print(f"| end of epoch {epoch:3d} | time:  0.05s | valid loss {vl:5.2f} | valid ppl {math.exp(vl):8.2f}")
            print("-" * 89)
    history = read_history(log)
    assert history.n_points == n
    assert history.get("val_loss").tolist() == val_losses  # type: ignore[union-attr]
    assert history.get("train_loss").tolist() == last_printed  # type: ignore[union-attr]
    assert any("printed only inside the epochs" in note for note in history.notes), history.notes


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_run_resumed_from_a_checkpoint_is_read_after_the_epochs_before_it(tmp_path: Path, seed: int) -> None:
    """A real torch loop stopped after epoch 12 and resumed from its epoch-8 checkpoint (the same log appended): its
    counter starts again at 9. Read as epochs 1-8 of the first session then 9-16 of the resumed one, said; before,
    only the resumed session's 8 epochs were read (tests/data/real_logs_heldout14/loop_txt_skin_lesion_classifier.log
    lost 20 of its 30 epochs that way)."""
    torch = pytest.importorskip("torch")
    X, y, Xv, yv = (torch.tensor(a) for a in random_labels(seed))
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(32, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    log, printed, saved = tmp_path / "train.log", {}, {}

    def epoch_of_training(epoch: int, session: int) -> None:
        order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed * 100 + epoch + 50 * session))
        for start in range(0, len(y), 16):
            rows = order[start : start + 16]
            loss = torch.nn.functional.cross_entropy(model(X[rows]), y[rows])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            tl = torch.nn.functional.cross_entropy(model(X), y).item()
            vl = torch.nn.functional.cross_entropy(model(Xv), yv).item()
        printed[epoch] = round(vl, 4)
        print(f"Epoch [{epoch:02d}/16] train_loss={tl:.4f} | val_loss={vl:.4f}")

    with _console(log):
        print("Starting training")
        for epoch in range(1, 13):
            epoch_of_training(epoch, 0)
            saved[epoch] = ({k: v.clone() for k, v in model.state_dict().items()}, optimiser.state_dict())
        print("Traceback (most recent call last): KeyboardInterrupt")
        print("Resuming from checkpoint_epoch8.pt")
        model.load_state_dict(saved[8][0])
        optimiser.load_state_dict(saved[8][1])
        first = dict(printed)
        for epoch in range(9, 17):
            epoch_of_training(epoch, 1)
    history = read_history(log)
    assert history.epochs is not None and history.epochs.tolist() == list(range(1, 17))
    val = history.get("val_loss")
    assert val is not None and val.tolist() == [first[e] for e in range(1, 9)] + [printed[e] for e in range(9, 17)]
    assert any("it resumed at epoch 9 from the run printed before it" in note for note in history.notes)


def test_a_run_started_again_from_scratch_is_read_alone(tmp_path: Path) -> None:
    """A second run whose counter starts at 1 again is no resume: the last run alone is read, as before."""
    lines = [f"Epoch {e}/8 | train_loss={1 / e:.4f} | val_loss={1.2 / e:.4f}" for e in range(1, 9)]
    again = [f"Epoch {e}/6 | train_loss={2 / e:.4f} | val_loss={2.2 / e:.4f}" for e in range(1, 7)]
    (tmp_path / "twice.log").write_text("\n".join(lines + again) + "\n")
    history = read_history(tmp_path / "twice.log")
    assert history.n_points == 6 and history.get("val_loss").tolist() == [round(2.2 / e, 4) for e in range(1, 7)]  # type: ignore[union-attr]
    assert not any("resumed" in note for note in history.notes)


def test_values_under_a_split_name_alone(tmp_path: Path) -> None:
    """``train: 0.91 | val: 0.88`` whose training values rise is no loss: left unread (said), not guessed; the
    same layout whose training values fall is read as the losses, said."""
    rising = "".join(f"Epoch {e}/6 | train: {0.5 + e / 20:.3f} | val: {0.5 + e / 25:.3f}\n" for e in range(1, 7))
    (tmp_path / "rising.log").write_text(rising)
    with pytest.raises(GapdoctorInputError, match="train, val"):  # nothing gapdoctor reads: the names are listed
        read_history(tmp_path / "rising.log")
    falling = "".join(f"Epoch {e}/6 | train: {1 / e:.3f} | val: {1.1 / e:.3f}\n" for e in range(1, 7))
    (tmp_path / "falling.log").write_text(falling)
    history = read_history(tmp_path / "falling.log")
    assert history.get("val_loss").tolist() == [round(1.1 / e, 3) for e in range(1, 7)]  # type: ignore[union-attr]
    assert any("split's name alone (train, val) read as its loss" in note for note in history.notes), history.notes


def test_a_sentence_before_the_values_is_not_part_of_their_names(tmp_path: Path) -> None:
    """``Epoch 1 completed. Train loss: 0.69, Validation loss: 0.68`` (a real notebook of the forty-fourth held-out
    set): the training loss was read as ``completed_train_loss``, not understood, and the run had no training curve
    (not enough to judge). A split's abbreviation before a full stop stays its split (``Val. acc``)."""
    lines = [f"Epoch {e} completed. Train loss: {1 / e:.4f}, Validation loss: {1.2 / e:.4f}" for e in range(1, 7)]
    (tmp_path / "run.log").write_text("Begin training...\n" + "\n".join(lines) + "\nModel saved\n")
    history = read_history(tmp_path / "run.log")
    assert history.get("train_loss").tolist() == [round(1 / e, 4) for e in range(1, 7)]  # type: ignore[union-attr]
    assert history.get("val_loss").tolist() == [round(1.2 / e, 4) for e in range(1, 7)]  # type: ignore[union-attr]
    abbreviated = "".join(f"Epoch {e}. Val. acc: {0.5 + e / 20:.3f}, loss: {1 / e:.3f}\n" for e in range(1, 7))
    (tmp_path / "abbreviated.log").write_text(abbreviated)
    assert read_history(tmp_path / "abbreviated.log").has("val_accuracy")
    notebook = read_history(REAL.parent / "real_logs_heldout44" / "loop_ipynb_fire_detection.ipynb")
    assert notebook.has("train_loss") and notebook.n_points == 10


def test_a_stray_epoch_line_is_no_run(tmp_path: Path) -> None:
    """Two lines naming an epoch are no training run: the file is refused as before, not read as one."""
    log = tmp_path / "notes.txt"
    log.write_text("Epoch 1: val_loss: 0.5, loss: 0.6\nsome text\nEpoch 2: val_loss: 0.4, loss: 0.5\n")
    assert console_runs(log.read_text()) == []
    with pytest.raises(GapdoctorInputError, match=r"notes\.txt"):
        read_history(log)


def test_a_run_folder_holding_only_console_output(tmp_path: Path) -> None:
    """A folder with a real Keras log beside notes and a config: the log is found and read, said; two logs of
    runs are listed and refused; a folder whose text files hold no run says console output was looked for."""
    folder = tmp_path / "exp1"
    folder.mkdir()
    (folder / "notes.txt").write_text("lr 1e-3, batch 32\n")
    (folder / "config.log").write_text("epochs: 40\nbatch_size: 32\n")
    (folder / "nohup.out").write_bytes((REAL / "keras2_verbose1_catsdogs.txt").read_bytes())
    history = read_history(folder)
    assert history.n_points == 40 and any(
        "read nohup.out, the console output saved in exp1/" in n for n in history.notes
    )
    (folder / "run2.ipynb").write_bytes((REAL / "notebook_keras_fchollet_overfitting.ipynb").read_bytes())
    with pytest.raises(GapdoctorInputError, match=r"console output of several runs \(nohup\.out, run2\.ipynb\)"):
        read_history(folder)
    result = run_cli("diagnose", "--history", str(folder))
    assert result.returncode == 2 and "several runs" in result.stderr and "Traceback" not in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("Epoch 1: nothing printed\n")
    with pytest.raises(GapdoctorInputError, match=r"console output in its \*\.log, \*\.out, \*\.txt and \*\.ipynb"):
        read_history(empty)


def test_a_metric_printed_before_its_split_without_a_colon() -> None:
    """``Accuracy train = 14.51%, Loss train 0.0567`` and ``Accuracy test = ..., Loss test ...`` under an ``Epoch 1:``
    header (tests/data/real_logs_heldout66): the loss printed without "=" beside an accuracy printed with one, each
    name's split after it. Read before as neither loss nor a held-out split: "no training output"."""
    assert line_values("\t Accuracy train = 14.51%, Loss train 0.0567") == {
        "train_accuracy": 0.1451,
        "train_loss": 0.0567,
    }
    assert line_values("loss 0.52, acc: 81%") == {"loss": 0.52, "acc": 0.81}  # one with ":" no longer hides one without
    history = read_history(
        Path(__file__).parents[1] / "data/real_logs_heldout66/loop_ipynb_alexsandr52_neural_networks.ipynb"
    )
    assert history.n_points == 15
    assert history.get("train_loss")[0] == pytest.approx(0.04666813609408508)  # type: ignore[index]
    assert history.get("val_accuracy")[-1] == pytest.approx(0.4394, abs=1e-4)  # type: ignore[index]
    assert any("test_" in note and "read as validation" in note for note in history.notes), history.notes


def test_a_run_resumed_from_a_checkpoint_this_output_never_printed_is_read_alone(tmp_path: Path) -> None:
    """A held-out notebook collected blind (tests/data/real_logs_heldout80/loop_ipynb_fgvd_gat.ipynb): a 60-epoch run
    of one experiment, then another experiment "Resumed from .../last.pt (epoch 1)" printing epochs 2 to 60. Read as
    the first run's epoch 1 followed by the second's, its loss "climbed back above its starting value" (optimization
    0.98); a resume prints again the epochs since its checkpoint, never more than it keeps (or 2)."""
    notebook = Path(__file__).resolve().parents[1] / "data" / "real_logs_heldout80" / "loop_ipynb_fgvd_gat.ipynb"
    history = read_history(notebook)
    assert history.epochs is not None and history.epochs.tolist() == [2, *range(5, 61, 5)]  # printed every 5
    assert not any("resumed" in note for note in history.notes)
    diagnosis = gapdoctor.diagnose(history=notebook)
    assert not [f for f in diagnosis.reported if f.cause == "optimization"], diagnosis.findings
    first = [f"Epoch {e}/20 | train_loss={3 / e:.4f} | val_loss={3.2 / e:.4f}" for e in range(1, 21)]
    other = [f"Epoch {e}/9 | train_loss={6 / e:.4f} | val_loss={6.2 / e:.4f}" for e in range(2, 10)]
    (tmp_path / "two.log").write_text("\n".join([*first, "Resumed from last.pt (epoch 1)", *other]) + "\n")
    alone = read_history(tmp_path / "two.log")
    assert alone.epochs is not None and alone.epochs.tolist() == list(range(2, 10))


def test_cocoeval_summaries_after_each_epoch_are_the_validation_map() -> None:
    """torchvision's detection reference loop (``Epoch: [3]  [174/175] ... loss: ...``) prints, after each epoch,
    pycocotools' summary of a bbox and a segm evaluation. Its headline line (AP at IoU 0.50:0.95, all areas, 100
    detections) of the bbox block is the epoch's validation mAP, wherever it falls among the epoch's 50 lines; it was
    not read, and the run was "not enough" to judge. A held-out real log (the hundred-and-first set), parsed here
    independently: the bbox block's headline of each of its 30 epochs."""
    path = Path(__file__).resolve().parents[1] / "data" / "real_logs_heldout101" / "loop_txt_wildfire_det.txt"
    kind, expected = "bbox", []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("IoU metric: "):
            kind = line.split(":")[1].strip()
        if kind == "bbox" and "(AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]" in line:
            expected.append(float(line.rsplit("=", 1)[1]))
    history = read_history(path)
    assert len(expected) == 30 and history.n_points == 30
    assert np.allclose(history.get("val_map"), expected)
    assert expected[-1] > 0.5 > expected[0]  # a detector that learnt: nothing to report, and it was looked at
    diagnosis = gapdoctor.diagnose(history=path)
    assert not diagnosis.reported and any(
        run.name == "overfitting.curves" and run.status == "ran" for run in diagnosis.checks
    )


def test_a_batchs_value_then_the_running_mean_in_brackets_reads_the_mean() -> None:
    """``loss: 0.8549 (1.4481)``: loops built on torchvision's MetricLogger or the ImageNet example's AverageMeter print
    the last batch's value (or a short window's median) and, in brackets, the mean since the epoch began. At an
    epoch's last progress line that mean is the epoch's training loss; the batch's value was read, one batch's noise
    (a detector's training loss 1.10, 0.81, 0.62, 0.69, 0.55 ... read as unstable, 0.42). A held-out real log (the
    hundred-and-first set's torchvision detection loop), parsed here independently: each epoch's last progress line's
    bracketed mean; and a line of the ImageNet example's form."""
    path = Path(__file__).resolve().parents[1] / "data" / "real_logs_heldout101" / "loop_txt_wildfire_det.txt"
    loss = r"\bloss: [\d.]+ \(([\d.]+)\)"
    last: dict[int, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        epoch, mean = re.match(r"Epoch: \[(\d+)\]", line), re.search(loss, line)
        if epoch and mean:
            last[int(epoch.group(1))] = float(mean.group(1))
    history = read_history(path)
    train = history.get("train_loss")
    assert train is not None and len(last) >= 10
    assert np.allclose(train, [last[e] for e in sorted(last)])
    assert not any(f.cause == "optimization" for f in gapdoctor.diagnose(history=path).findings)
    imagenet = "Epoch: [3][390/391]\tTime  0.120 ( 0.125)\tLoss 1.2345e+00 (1.4100e+00)\tAcc@1  60.00 ( 55.12)"
    assert line_values(imagenet)["loss"] == 1.41


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ignite_examples_average_results_per_split(tmp_path: Path, seed: int) -> None:
    """PyTorch Ignite's examples (examples/mnist/mnist.py and the loops copied from them) print ``Training Results -
    Epoch: 3  Avg accuracy: 0.96 Avg loss: 0.12`` and ``Validation Results - ...`` after each epoch: the qualifier
    "Avg" hid the metric, and only the losses were read (the accuracy curves left out without a word)."""
    torch, (Xt, yt, Xv, yv), model, steps = _digits_mlp(seed, hidden=64, lr=0.05, batch_size=64)
    log, accuracies = tmp_path / "ignite.log", []
    with _console(log):
        for epoch in range(1, 7):
            for _ in steps():
                pass
            with torch.no_grad():
                for split, (X, y) in (("Training", (Xt, yt)), ("Validation", (Xv, yv))):
                    logits = model(X)
                    accuracy = float((logits.argmax(1) == y).float().mean())
                    loss = torch.nn.functional.cross_entropy(logits, y).item()
                    print(f"{split} Results - Epoch: {epoch}  Avg accuracy: {accuracy:.2f} Avg loss: {loss:.2f}")
                    accuracies += [round(accuracy, 2)] if split == "Validation" else []
    history = read_history(log)
    assert history.n_points == 6 and history.get("val_accuracy").tolist() == accuracies  # type: ignore[union-attr]
    assert history.has("train_accuracy") and history.has("val_loss") and history.has("train_loss")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pytorch_vae_examples_test_set_loss(tmp_path: Path, seed: int) -> None:
    """PyTorch's examples/vae/main.py prints ``====> Epoch: 3 Average loss: 114.1234`` after training and ``====>
    Test set loss: 111.5000`` after evaluating, each epoch: "Test set loss" was no series, and the run was read as a
    training loss alone. A real torch loop printing so has its test loss read as the validation curve, said."""
    torch, (_, _, Xv, yv), model, steps = _digits_mlp(seed, hidden=64, lr=0.05, batch_size=64)
    log, test_losses = tmp_path / "vae.log", []
    with _console(log):
        for epoch in range(1, 7):
            total = sum(loss.item() for _, _, loss in steps())
            print(f"====> Epoch: {epoch} Average loss: {total:.4f}")
            with torch.no_grad():
                test_loss = torch.nn.functional.cross_entropy(model(Xv), yv).item()
            print(f"====> Test set loss: {test_loss:.4f}")
            test_losses.append(round(test_loss, 4))
    history = read_history(log)
    assert history.n_points == 6 and history.get("val_loss").tolist() == test_losses  # type: ignore[union-attr]
    assert any("test_loss, logged during training, read as validation" in note for note in history.notes)
