"""fastai's Recorder table, read from real notebooks (held-out set 120, collected blind for it) and from its
``CSVLogger`` file's header.

Before, a notebook whose runs were fastai's (``learn.fit_one_cycle``, ``fine_tune``) was refused ("has no training
output in its cells"): its table is HTML with fastai's column names, not the HF Trainer's. The reader, written before
set 120 was read, read all six of its notebooks (five verdicts agreeing with the written rule's labels).

No real ``CSVLogger`` file was found: set 121 walked eight new paths (fastai's default ``history.csv`` and
``models/history.csv`` walked by earlier sets) and met none, and fastai cannot be installed here beside the pinned
torch to write one. Its header is fastai's own (``epoch, train_loss, valid_loss, <metrics>, time``, the Recorder's),
so the CSV tests below write that header.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import gapdoctor
from gapdoctor.io import read_history

SET = Path(__file__).resolve().parents[1] / "data" / "real_logs_heldout120"


def test_a_tabular_learners_table_is_read_with_its_accuracy_as_the_validation_sets() -> None:
    """``learn.fit_one_cycle(5)`` on a tabular learner: ``accuracy`` is the validation set's, not the training's."""
    history = read_history(SET / "fastai_ipynb_justinblaber_tabular.ipynb")
    assert history.epochs is not None and history.epochs.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]  # shown from 0
    assert history.get("val_accuracy").tolist() == [0.805, 0.835, 0.83, 0.84, 0.84]  # type: ignore[union-attr]
    assert history.get("train_accuracy") is None
    val, train = history.get("val_loss"), history.get("train_loss")
    assert val is not None and train is not None and val[-1] == 0.36315 and train[0] == 0.36411
    assert any("fastai's table" in note and "accuracy -> valid_accuracy" in note for note in history.notes)


def test_the_last_of_nine_fits_in_a_notebook_is_diagnosed_said() -> None:
    history = read_history(SET / "fastai_ipynb_blazysecon_image_classification.ipynb")
    assert history.n_points == 10
    assert any("9 training runs" in note and "fastai table, cell 188" in note for note in history.notes)
    val = history.get("val_loss")
    assert val is not None and float(val[0]) == 1.35093 and float(val[-1]) == 0.675682


def test_fastai_1s_metric_names_are_read_and_one_it_cannot_read_is_said() -> None:
    """The planet lesson (fastai 1): ``accuracy_thresh`` is a multi-label accuracy; ``fbeta`` (F2) has no name in
    gapdoctor's vocabulary and is said to be left unread, not read as a training metric."""
    history = read_history(SET / "fastai_ipynb_lubancafe_planet.ipynb")
    accuracy = history.get("val_accuracy")
    assert accuracy is not None and round(float(accuracy[0]), 4) == 0.8946
    report = gapdoctor.diagnose(history=history)
    assert any("not understood" in note and "valid_fbeta" in note for note in report.notes), report.notes


def test_a_csvlogger_file_reads_its_metric_columns_as_the_validation_sets(tmp_path: Path) -> None:
    rows = ["epoch,train_loss,valid_loss,accuracy,error_rate,time"]
    rows += [
        f"{e},{0.9 - 0.1 * e:.3f},{0.7 - 0.05 * e:.3f},{0.8 + 0.02 * e:.3f},{0.2 - 0.02 * e:.3f},00:12"
        for e in range(5)
    ]
    path = tmp_path / "history.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    history = read_history(path)
    assert np.allclose(history.get("val_accuracy"), [0.8, 0.82, 0.84, 0.86, 0.88])  # type: ignore[arg-type]
    assert history.get("val_error") is not None and history.get("train_accuracy") is None
    assert any("fastai's CSVLogger" in note for note in history.notes), history.notes


def test_a_loops_own_csv_without_fastais_time_column_is_not_claimed_as_fastais(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text("epoch,train_loss,valid_loss,train_acc\n0,0.9,0.8,0.6\n1,0.7,0.7,0.7\n2,0.6,0.65,0.75\n")
    history = read_history(path)
    assert history.get("train_accuracy") is not None and not any("fastai" in note for note in history.notes)


def test_a_scripts_console_with_fastais_tables_reads_the_last_fit(tmp_path: Path) -> None:
    """Outside a notebook fastai prints its table as text; ``fine_tune`` prints two (the frozen epoch's, then the
    unfrozen epochs'): the last is read, its metric columns the validation set's, ``#na#`` no value."""
    header = "epoch     train_loss  valid_loss  error_rate  time"
    frozen = [header, "0         1.204512    0.402113    0.121000    00:41"]
    rows = [(e, 0.5 - 0.08 * e, 0.3 - 0.02 * e, 0.09 - 0.01 * e) for e in range(4)]
    unfrozen = [header, *(f"{e}         {t:.6f}    {v:.6f}    {r:.6f}    00:52" for e, t, v, r in rows)]
    path = tmp_path / "train.log"
    path.write_text("\n".join(["Downloading...", *frozen, "", *unfrozen, "saved"]) + "\n", encoding="utf-8")
    history = read_history(path)
    assert history.epochs is not None and history.epochs.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert np.allclose(history.get("val_error"), [0.09, 0.08, 0.07, 0.06])  # type: ignore[arg-type]
    assert any("2 training runs" in note for note in history.notes), history.notes
    assert any("error_rate -> valid_error_rate" in note for note in history.notes), history.notes


def test_fastai_1s_first_tables_without_time_counting_from_1() -> None:
    """fastai 1's first releases (2018) showed no ``time`` column, their cells as ``th`` and epochs from 1 (held-out
    set 122's notebook of course-v3 examples, nine fits): refused before as holding no training output."""
    history = read_history(SET.parent / "real_logs_heldout122" / "fastai_ipynb_mickeykubo_dash.ipynb")
    assert history.epochs is not None and history.epochs.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    val = history.get("val_loss")
    assert val is not None and val.tolist() == [2.030991, 0.664717, 0.635108, 0.6312, 0.627643]
    assert any("9 training runs" in note for note in history.notes), history.notes


def test_a_training_loss_printed_nan_at_every_epoch_is_kept_and_read_as_no_training() -> None:
    """Held-out set 206 (collected blind): a fit whose table printed ``nan`` as the training loss at all 10 epochs
    beside validation values the same to every digit (a training loader with no batch). The reader dropped the
    column before, so the diagnosis had no training loss and said nothing ("not enough"); it is kept as logged."""
    path = SET.parent / "real_logs_heldout206" / "fastai_ipynb_manjunatha1997_classification.ipynb"
    history = read_history(path)
    train = history.series["train_loss"]  # held as logged (history.get() gives series with a finite value)
    assert len(train) == 10 and not np.isfinite(train).any() and history.diverged_at == 0
    top = gapdoctor.diagnose(history=path).top
    assert top is not None and top.cause == "optimization" and not top.weak
    assert "every validation value is the same at all 10 evaluations" in top.summary
