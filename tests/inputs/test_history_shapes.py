"""A history saved as one JSON object in the shapes training code writes: pandas' ``to_json``, one object per split or
per metric, a wrapper, plural names, a split's name alone, gradient boosting's per-round record.

The shapes built here hold a real Keras run's values (``tests/data/real_logs/keras_emotion_resnet50_training.log``,
written by ``CSVLogger``), saved the way a user's code saves them (pandas itself for ``to_json``); each must read as
the CSV does. Three files in ``tests/data/json_histories/`` are real ones, kept byte for byte (README there).
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gapdoctor
from gapdoctor.inputs.history import RunHistory
from gapdoctor.io import read_history

DATA = Path(__file__).resolve().parents[1] / "data"
KERAS_RUN = DATA / "real_logs" / "keras_emotion_resnet50_training.log"
REAL = DATA / "json_histories"


def _columns() -> dict[str, list[float]]:
    with KERAS_RUN.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {name: [float(row[name]) for row in rows] for name in ("loss", "accuracy", "val_loss", "val_accuracy")}


def _same_series_as_the_csv(path: Path, rtol: float = 0.0) -> list[str]:
    """Assert the file reads as the CSV it was built from; return the reading's notes."""
    expected, got = read_history(KERAS_RUN), read_history(path)
    assert got.n_points == expected.n_points == 17
    for name in ("train_loss", "train_accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(got.get(name), expected.get(name), rtol=rtol, atol=0, err_msg=name)
    return list(got.notes)


def _saved(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "history.json"
    path.write_text(json.dumps(content))
    return path


def test_pandas_to_json_of_a_keras_history_reads_as_the_csv(tmp_path: Path) -> None:
    """``pd.DataFrame(history.history).to_json(f)``: each series keyed by row number, as pandas writes it."""
    pd = pytest.importorskip("pandas")
    path = tmp_path / "history.json"
    pd.DataFrame(_columns()).to_json(path)
    assert json.loads(path.read_text())["loss"]["16"] == pytest.approx(_columns()["loss"][16])  # {"0": ..., "16": ...}
    notes = _same_series_as_the_csv(path, rtol=1e-9)  # to_json writes 10 significant digits
    assert any("keyed by row number" in note for note in notes), notes


def test_pandas_to_json_read_in_row_order_not_key_order(tmp_path: Path) -> None:
    """Keys "10" .. "16" sort before "2" as text: the rows are read by their number."""
    columns = _columns()
    shuffled = {name: {str(i): values[i] for i in sorted(range(17), key=str)} for name, values in columns.items()}
    _same_series_as_the_csv(_saved(tmp_path, shuffled))


def _per_split(c: dict[str, list[float]]) -> dict[str, Any]:
    train = {"loss": c["loss"], "acc": c["accuracy"]}
    return {"train": train, "val": {"loss": c["val_loss"], "acc": c["val_accuracy"]}}


def _per_metric(c: dict[str, list[float]]) -> dict[str, Any]:
    train, valid = ("loss", "accuracy"), ("val_loss", "val_accuracy")
    return {n: {"train": c[t], "valid": c[v]} for n, t, v in zip(("loss", "accuracy"), train, valid, strict=True)}


def _wrapped(c: dict[str, list[float]]) -> dict[str, Any]:
    return {"history": c, "params": {"epochs": 17, "verbose": 1}, "epoch": list(range(17))}


def _plural(c: dict[str, list[float]]) -> dict[str, Any]:
    plural = {"train_losses": c["loss"], "val_losses": c["val_loss"], "train_accs": c["accuracy"]}
    return {**plural, "val_accuracies": c["val_accuracy"], "best_epoch": 9}


@pytest.mark.parametrize("shape", [_per_split, _per_metric, _wrapped, _plural])
def test_a_loop_s_own_json_shapes_read_as_the_csv(tmp_path: Path, shape: Any) -> None:
    notes = _same_series_as_the_csv(_saved(tmp_path, shape(_columns())))
    assert not any("not a list" in note for note in notes), notes


def test_one_object_per_split_is_said(tmp_path: Path) -> None:
    columns = _columns()
    nested = {"train": {"loss": columns["loss"]}, "val": {"loss": columns["val_loss"]}}
    history = read_history(_saved(tmp_path, nested))
    assert set(history.series) == {"train_loss", "val_loss"}
    assert any("one object per split or per metric" in note and "train, val" in note for note in history.notes)


def test_xgboost_s_two_numbered_evaluation_sets_read_as_training_then_validation(tmp_path: Path) -> None:
    """XGBoost's ``evals_result()`` with ``eval_set=[(X_train, y_train), (X_val, y_val)]``: ``validation_0`` then
    ``validation_1``, the order XGBoost's documentation shows; which is which is said in a note."""
    columns = _columns()
    content = {"validation_0": {"logloss": columns["loss"]}, "validation_1": {"logloss": columns["val_loss"]}}
    history = read_history(_saved(tmp_path, content))
    expected = read_history(KERAS_RUN)
    np.testing.assert_array_equal(history.get("val_log_loss"), expected.get("val_loss"))
    np.testing.assert_array_equal(history.get("train_log_loss"), expected.get("train_loss"))
    assert any("validation_0 as training, validation_1 as validation" in n for n in history.notes), history.notes


def test_lightgbm_s_named_training_set_beside_numbered_ones_keeps_the_last_as_validation(tmp_path: Path) -> None:
    columns = _columns()
    content = {
        "training": {"l2": columns["loss"]},
        "valid_0": {"l2": columns["accuracy"]},
        "valid_1": {"l2": columns["val_loss"]},
    }
    history = read_history(_saved(tmp_path, content))
    np.testing.assert_array_equal(history.get("val_mse"), read_history(KERAS_RUN).get("val_loss"))
    np.testing.assert_array_equal(history.get("train_mse"), read_history(KERAS_RUN).get("train_loss"))
    assert any("valid_1 as validation; not read: valid_0" in n for n in history.notes), history.notes


def test_several_wrapped_runs_holding_one_series_read_the_last_and_say_so(tmp_path: Path) -> None:
    columns = _columns()
    first = {"loss": columns["accuracy"], "val_loss": columns["val_accuracy"]}
    content = {"run1": first, "run2": {"loss": columns["loss"], "val_loss": columns["val_loss"]}}
    history = read_history(_saved(tmp_path, content))
    np.testing.assert_array_equal(history.get("val_loss"), read_history(KERAS_RUN).get("val_loss"))
    assert any("several objects hold loss, val_loss: the last one written read" in n for n in history.notes)


def test_an_object_of_nothing_readable_is_refused_with_the_shapes_named(tmp_path: Path) -> None:
    path = _saved(tmp_path, {"model": "resnet", "params": {"epochs": 3}})
    with pytest.raises(gapdoctor.GapdoctorInputError, match="is not a list of values"):
        read_history(path)


def _manifest() -> list[dict[str, str]]:
    with (REAL / "MANIFEST.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_real_files_are_byte_for_byte_copies_of_their_source() -> None:
    entries = _manifest()
    assert {e["file"] for e in entries} == {p.name for p in REAL.glob("*.json")}
    for entry in entries:
        data = (REAL / entry["file"]).read_bytes()
        assert hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() == entry["git_blob"], entry["file"]
        assert len(data) == int(entry["bytes"]) and len(entry["commit"]) == 40


@pytest.mark.parametrize("name", ["bare_splits_text2pose.json", "bare_splits_vae_mnist.json"])
def test_a_split_s_name_alone_reads_as_the_loss_of_that_split(name: str) -> None:
    """Two real loops' ``json.dump({"train": train_losses, "val": val_losses})`` (each run's code appends its epoch
    loss to those lists; README): before, "holds no series gapdoctor can read"."""
    raw = json.loads((REAL / name).read_text())
    history = read_history(REAL / name)
    assert set(history.series) == {"train_loss", "val_loss"}
    np.testing.assert_allclose(history.get("train_loss"), raw["train"])
    np.testing.assert_allclose(history.get("val_loss"), raw["val"])
    assert any("read as the loss (the training values fall)" in note for note in history.notes), history.notes


def test_a_vae_s_summed_loss_in_the_thousands_is_judged_without_a_check_erroring() -> None:
    """The VAE's loss (23,159 -> 11,923 summed over pixels) overflowed ``exp`` in the chance-level test: the
    optimisation check errored and the run read "no finding". Now every check that can look does."""
    diagnosis = gapdoctor.diagnose(history=REAL / "bare_splits_vae_mnist.json")
    assert diagnosis.judged
    errored = [(c.name, c.reason) for c in diagnosis.checks if c.status == "errored"]
    assert not errored, errored
    assert "optimization.curves" in {c.name for c in diagnosis.checks if c.status == "ran"}


def test_a_split_s_name_alone_over_rising_bounded_values_reads_as_accuracy(tmp_path: Path) -> None:
    columns = _columns()
    history = read_history(_saved(tmp_path, {"train": columns["accuracy"], "val": columns["val_accuracy"]}))
    assert set(history.series) == {"train_accuracy", "val_accuracy"}
    assert any("read as the accuracy (the training values rise)" in note for note in history.notes)


def test_lightgbm_record_evaluation_reads_its_l2_as_the_loss_and_its_overfitting() -> None:
    """A real LightGBM run's ``record_evaluation`` dict (``valid_sets=[dtrain, dvalid]``, names train / valid, metric
    l2, early stopping after 50 rounds): the validation l2 is lowest at round 27 and rises for the 50 rounds after
    while the training l2 keeps falling — the early stop the run's own callback made."""
    raw = json.loads((REAL / "lightgbm_record_evaluation.json").read_text())
    history = read_history(REAL / "lightgbm_record_evaluation.json")
    np.testing.assert_allclose(history.get("val_mse"), raw["valid"]["l2"])
    assert int(np.argmin(raw["valid"]["l2"])) + 1 == 27 and len(raw["valid"]["l2"]) == 77
    diagnosis = gapdoctor.diagnose(history=REAL / "lightgbm_record_evaluation.json")
    assert diagnosis.top is not None and diagnosis.top.cause == "overfitting" and not diagnosis.top.weak
    assert any("train_mse and val_mse read as the loss" in note for note in diagnosis.notes), diagnosis.notes


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_fitted_scikit_learn_mlp_is_its_own_history(seed: int) -> None:
    """``diagnose(history=mlp)`` on a fitted MLPClassifier / MLPRegressor reads its ``loss_curve_`` and, with
    ``early_stopping=True``, its ``validation_scores_`` (accuracy; R² for a regressor), said in a note. Before, the
    estimator was refused. A regressor on targets shuffled against their rows scores its validation split below its
    mean at every epoch: the stall of a model that learnt nothing is read from those scores."""
    from sklearn.datasets import load_diabetes, load_digits
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    X, y = load_digits(return_X_y=True)
    classifier = MLPClassifier(hidden_layer_sizes=(32,), early_stopping=True, max_iter=60, random_state=seed).fit(
        X / 16, y
    )
    history = RunHistory.from_any(classifier)
    assert history.get("train_loss").tolist() == classifier.loss_curve_  # type: ignore[union-attr]
    assert history.get("val_accuracy").tolist() == classifier.validation_scores_  # type: ignore[union-attr]
    assert any("loss_curve_ and validation_scores_ (the accuracy" in note for note in history.notes)
    assert gapdoctor.diagnose(history=classifier).judged

    no_validation = MLPClassifier(hidden_layer_sizes=(32,), max_iter=20, random_state=seed).fit(X / 16, y)
    assert not RunHistory.from_any(no_validation).has("val_accuracy")
    assert any("early_stopping=True" in note for note in RunHistory.from_any(no_validation).notes)

    Xr, yr = load_diabetes(return_X_y=True)
    shuffled = np.random.default_rng(seed).permutation(yr)
    regressor = MLPRegressor(hidden_layer_sizes=(32,), early_stopping=True, max_iter=200, random_state=seed).fit(
        Xr, shuffled
    )
    assert max(regressor.validation_scores_) <= 0
    diagnosis = gapdoctor.diagnose(history=regressor)
    assert diagnosis.top is not None and diagnosis.top.cause == "optimization", diagnosis.render()
    assert "no better than their mean" in diagnosis.top.summary


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_fitted_histogram_gradient_boosting_model_is_its_own_history(seed: int) -> None:
    """``diagnose(history=model)`` on a fitted ``HistGradientBoosting*`` with early stopping reads its
    ``train_score_`` / ``validation_score_`` (negated losses by default; a named scorer's metric). Before, refused.
    Boosted 200 rounds past its best, with a fifth of the labels flipped, the validation loss turns: overfitting."""
    from sklearn.datasets import load_breast_cancer, load_diabetes
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    X, y = load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(seed)
    noisy = np.where(rng.random(len(y)) < 0.2, 1 - y, y)
    boosted = {"early_stopping": True, "n_iter_no_change": 10**6, "max_iter": 200, "learning_rate": 0.3}
    model = HistGradientBoostingClassifier(**boosted, max_leaf_nodes=63, min_samples_leaf=2, random_state=seed)
    model.fit(X, noisy)
    history = RunHistory.from_any(model)
    assert history.get("train_loss").tolist() == (-model.train_score_[1:]).tolist()  # type: ignore[union-attr]
    assert history.get("val_loss").tolist() == (-model.validation_score_[1:]).tolist()  # type: ignore[union-attr]
    assert any("train_score_ and validation_score_ (loss)" in note for note in history.notes)
    diagnosis = gapdoctor.diagnose(history=model)
    assert diagnosis.top is not None and diagnosis.top.cause == "overfitting", diagnosis.render()

    scored = HistGradientBoostingClassifier(early_stopping=True, scoring="accuracy", random_state=seed).fit(X, y)
    assert RunHistory.from_any(scored).get("val_accuracy").tolist() == scored.validation_score_[1:].tolist()  # type: ignore[union-attr]
    Xr, yr = load_diabetes(return_X_y=True)
    regressor = HistGradientBoostingRegressor(**boosted, scoring="neg_mean_squared_error", random_state=seed)
    read = RunHistory.from_any(regressor.fit(Xr, yr))
    assert read.get("val_mse").tolist() == (-regressor.validation_score_[1:]).tolist()  # type: ignore[union-attr]
    with pytest.raises(gapdoctor.GapdoctorInputError, match="early_stopping=True"):
        RunHistory.from_any(HistGradientBoostingClassifier(early_stopping=False, max_iter=5).fit(X, y))
