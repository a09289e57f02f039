"""pipeline_bug: label encodings, misaligned rows, split preprocessing, unshuffled data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, load_wine, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import gapdoctor


def _split(X, y, seed=0):
    return train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)


def _probs(Xt, yt, Xv):
    """Out-of-fold training probabilities and validation probabilities of a real model."""
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
    train_probs = cross_val_predict(model, Xt, yt, cv=3, method="predict_proba")
    return train_probs, model.fit(Xt, yt).predict_proba(Xv)


def _pipeline_scores(d):
    return [f.score for f in d.findings if f.cause == "pipeline_bug"]


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    Xt, Xv, yt, yv = _split(X, y)
    train_probs, val_probs = _probs(Xt, yt, Xv)
    return Xt, Xv, yt, yv, train_probs, val_probs


def test_healthy_split_with_predictions_does_not_fire(digits):
    Xt, Xv, yt, yv, tp, vp = digits
    d = gapdoctor.diagnose(
        X_train=Xt, y_train=yt, X_val=Xv, y_val=yv, train_probs=tp, val_probs=vp, train_label_order=yt
    )
    assert all(s < 0.5 for s in _pipeline_scores(d))


def test_label_encoding_differs_between_splits(digits):
    Xt, Xv, yt, yv, tp, vp = digits
    swap = np.arange(10)
    swap[[3, 8]] = [8, 3]  # validation labels 3 and 8 encoded the other way round
    d = gapdoctor.diagnose(X_train=Xt, y_train=yt, X_val=Xv, y_val=swap[yv], train_probs=tp, val_probs=vp)
    assert d.top is not None and d.top.check == "pipeline_bug.label_encoding"
    assert d.top.score >= 0.5
    assert d.top.evidence["classes_remapped"] == 2
    assert d.top.evidence["val_accuracy_best_mapping"] > d.top.evidence["val_accuracy_as_given"] + 0.1
    mapping = d.top.data["mapping"]["val_label_to_true"]
    assert mapping[3] == "8" and mapping[8] == "3" and mapping[0] == "0"


def test_string_labels_permuted_name_the_classes():
    X, y = load_wine(return_X_y=True)
    names = np.array(["barolo", "grignolino", "barbera"])
    Xt, Xv, yt, yv = _split(X, y)
    tp, vp = _probs(Xt, names[yt], Xv)
    wrong = np.array(["grignolino", "barbera", "barolo"])  # a rotated encoder on validation
    d = gapdoctor.diagnose(y_train=names[yt], y_val=wrong[yv], train_probs=tp, val_probs=vp)
    assert d.top is not None and d.top.cause == "pipeline_bug"
    assert "barolo" in d.top.evidence["mapping"]


def test_validation_rows_misaligned_with_labels(digits):
    Xt, Xv, yt, yv, tp, vp = digits
    shuffled = np.random.default_rng(0).permutation(yv)  # labels joined in another order
    d = gapdoctor.diagnose(X_train=Xt, y_train=yt, X_val=Xv, y_val=shuffled, train_probs=tp, val_probs=vp)
    assert d.top is not None and d.top.check == "pipeline_bug.misaligned_rows"
    assert d.top.evidence["split"] == "y_val"
    leakage = [f.score for f in d.findings if f.cause == "preprocessing_leakage"]
    assert all(s < 0.5 for s in leakage)


def test_training_rows_misaligned_with_labels():
    X, y = load_breast_cancer(return_X_y=True)
    Xt, Xv, yt, yv = _split(X, y)
    shuffled = np.random.default_rng(1).permutation(yt)
    d = gapdoctor.diagnose(X_train=Xt, y_train=shuffled, X_val=Xv, y_val=yv)
    assert d.top is not None and d.top.check == "pipeline_bug.misaligned_rows"
    assert d.top.evidence["split"] == "y_train"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nearly_chance_labels_are_misaligned_only_when_a_neighbouring_row_fits_them(seed):
    # Held-out corpus seeds 2065 / 2337: 39% of binary training labels flipped on a task a linear model barely
    # learns (6 informative of 74 features). A model of the validation rows is right on 55-57% of y_train,
    # above chance (its interval's low end 52-55%) but within the chance margin: read as misaligned rows at
    # 0.82 before the offset test. Label noise leaves the aligned pairing the best one; training labels joined
    # two rows off are right far more often paired with the features two rows earlier.
    X, y = make_classification(
        n_samples=2700, n_features=74, n_informative=6, n_redundant=4, class_sep=0.75, random_state=seed
    )
    Xt, Xv, yv = X[:1600], X[1600:], y[1600:]
    noisy = y[:1600].copy()
    flip = np.random.default_rng(seed).random(1600) < 0.39
    noisy[flip] = 1 - noisy[flip]
    d = gapdoctor.diagnose(X_train=Xt, y_train=noisy, X_val=Xv, y_val=yv)
    assert not [f for f in d.findings if f.check == "pipeline_bug.misaligned_rows"]
    shifted = gapdoctor.diagnose(X_train=Xt, y_train=np.roll(y[:1600], 2), X_val=Xv, y_val=yv)
    found = [f for f in shifted.findings if f.check == "pipeline_bug.misaligned_rows"]
    assert found and found[0].score >= 0.5
    assert found[0].evidence["split"] == "y_train" and found[0].evidence["label_offset"] == -2
    assert "shifted by 2 rows" in found[0].summary


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_heavy_label_noise_is_not_read_as_misaligned_rows(seed):
    # 38% of binary training labels flipped keeps ~6% of each feature's association (below the
    # retention rule), yet a model of the validation split still beats chance on y_train: label
    # noise, not rows out of order. The same split with y_val rolled by one row is misaligned.
    X, y = make_classification(
        n_samples=2700, n_features=68, n_informative=8, n_redundant=4, class_sep=1.1, random_state=seed
    )
    Xt, yt, Xv, yv = X[:1800], y[:1800].copy(), X[1800:], y[1800:]
    flip = np.random.default_rng(seed).random(1800) < 0.38
    yt[flip] = 1 - yt[flip]
    assert _pipeline_scores(gapdoctor.diagnose(X_train=Xt, y_train=yt, X_val=Xv, y_val=yv)) == []
    d = gapdoctor.diagnose(X_train=Xt, y_train=y[:1800], X_val=Xv, y_val=np.roll(yv, 1))
    found = [f for f in d.findings if f.check == "pipeline_bug.misaligned_rows"]
    assert found and found[0].score >= 0.5
    shown = found[0].to_dict()["evidence"]
    assert abs(shown["transfer_accuracy"] - shown["transfer_accuracy_chance"]) < 0.05


def test_confident_predictions_at_chance_without_features():
    X, y = make_classification(3000, 10, n_informative=6, n_classes=3, random_state=0)
    Xt, Xv, yt, yv = _split(X, y)
    tp, vp = _probs(Xt, yt, Xv)
    sharp = vp**4 / (vp**4).sum(axis=1, keepdims=True)  # a confident model
    shuffled = np.random.default_rng(2).permutation(yv)  # labels out of order, no features given
    d = gapdoctor.diagnose(y_train=yt, y_val=shuffled, train_probs=tp, val_probs=sharp)
    assert d.top is not None and d.top.check == "pipeline_bug.misaligned_rows"
    assert d.top.evidence["val_accuracy_best_mapping"] < 0.45


def test_validation_not_standardised_names_the_split():
    X, y = load_breast_cancer(return_X_y=True)
    Xt, Xv, yt, yv = _split(X, y)
    scaler = StandardScaler().fit(Xt)
    d = gapdoctor.diagnose(X_train=scaler.transform(Xt), y_train=yt, X_val=Xv, y_val=yv)
    assert d.top is not None and d.top.check == "pipeline_bug.split_preprocessing"
    assert d.top.evidence["split"] == "X_val"
    assert d.top.evidence["pattern"] == "standardised"
    assert "X_val" in d.top.fixes[0]


def test_pixels_scaled_on_training_split_only():
    X, y = load_digits(return_X_y=True)
    Xt, Xv, yt, yv = _split(X, y)
    d = gapdoctor.diagnose(X_train=Xt / 16.0, y_train=yt, X_val=Xv, y_val=yv)
    assert d.top is not None and d.top.check == "pipeline_bug.split_preprocessing"
    assert d.top.evidence["pattern"] == "min-max"
    assert d.top.evidence["split"] == "X_val"


def test_different_units_report_the_common_factor():
    X, y = load_wine(return_X_y=True)
    Xt, Xv, yt, yv = _split(X, y)
    d = gapdoctor.diagnose(X_train=Xt, y_train=yt, X_val=Xv * 1000.0, y_val=yv)
    assert d.top is not None and d.top.check == "pipeline_bug.split_preprocessing"
    assert d.top.evidence["pattern"] == "common factor"
    assert "close to 1e+03" in d.top.summary


def test_bad_train_label_order_names_the_argument():
    with pytest.raises(gapdoctor.GapdoctorInputError, match="train_label_order"):
        gapdoctor.diagnose(y_train=[0, 1, 0, 1], train_label_order=[0, 1, 7])


def _wide(seed):
    """make_classification with few informative features: its 30 noise features are already ~N(0, 1)."""
    return make_classification(n_samples=1500, n_features=40, n_informative=5, n_redundant=3, random_state=seed)


def _diagnose_scaled_on_training(Xt, yt, Xv, yv, *, scale_val):
    """A real model of the standardised training split; the validation split through the scaler or left raw."""
    scaler = StandardScaler().fit(Xt)
    Xt = scaler.transform(Xt)
    Xv = scaler.transform(Xv) if scale_val else Xv
    model = LogisticRegression(max_iter=500)
    train_probs = cross_val_predict(model, Xt, yt, cv=3, method="predict_proba")
    val_probs = model.fit(Xt, yt).predict_proba(Xv)
    return gapdoctor.diagnose(X_train=Xt, y_train=yt, X_val=Xv, y_val=yv, train_probs=train_probs, val_probs=val_probs)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_validation_left_raw_while_only_a_few_features_differ_headlines_the_pipeline_bug(seed):
    # The scaler is fitted on the training split and never applied to validation; only the 8
    # informative / redundant features differ (the noise features are standard either way).
    Xt, Xv, yt, yv = _split(*_wide(seed), seed=seed)
    d = _diagnose_scaled_on_training(Xt, yt, Xv, yv, scale_val=False)
    assert d.top is not None and d.top.check == "pipeline_bug.split_preprocessing"
    e = d.top.evidence
    assert (e["split"], e["pattern"]) == ("X_val", "standardised")
    assert e["features_rescaled"] < e["features_tested"] / 2
    assert e["standardisation_error"] < 1e-12 and e["fix_z"] > -1.96
    assert "floating-point precision" in d.top.summary
    assert all(f.score < 0.5 for f in d.findings if f.cause == "distribution_shift")  # explained by the bug


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_real_shifts_on_standardised_training_rows_stay_a_distribution_shift(seed):
    X, y = _wide(seed)
    key = X.sum(axis=1)  # rows selected on the sum of the raw features
    low, high = key <= np.quantile(key, 0.6), key >= np.quantile(key, 0.7)
    selected = _diagnose_scaled_on_training(X[low], y[low], X[high], y[high], scale_val=True)
    rng = np.random.default_rng(seed)  # a population 1.7-2.6 times wider on 5 features, same labelling rule
    raw_t, raw_v = rng.normal(size=(1200, 20)), rng.normal(size=(600, 20))
    raw_v[:, :5] *= np.linspace(1.7, 2.6, 5)
    y_t, y_v = ((m[:, 0] + m[:, 1] + m[:, 2] > 1.0).astype(np.int64) for m in (raw_t, raw_v))
    wider = _diagnose_scaled_on_training(raw_t, y_t, raw_v, y_v, scale_val=True)
    for d in (selected, wider):
        assert d.top is not None and d.top.cause == "distribution_shift"
        assert all(f.score < 0.5 for f in d.findings if f.check == "pipeline_bug.split_preprocessing")


@pytest.mark.parametrize("seed", [0, 2, 4])
def test_training_labels_40pct_flipped_are_not_misaligned_when_the_model_beats_chance(seed):
    # 40% of breast-cancer training labels flipped leave ~5% of each feature's association and a
    # model of the validation features predicts y_train only ~0.08 above chance (within the
    # chance margin), yet the model trained on y_train is right on ~70% of y_val (chance ~0.53):
    # the training labels still carry the relation. Shuffled training labels leave it at chance.
    X, y = load_breast_cancer(return_X_y=True)
    Xt, Xv, yt, yv = train_test_split(X, y, train_size=305, test_size=199, random_state=seed, stratify=y)
    flip = np.random.default_rng(seed).permutation(len(yt)) < round(0.4 * len(yt))
    noisy = np.where(flip, 1 - yt, yt)
    shuffled = np.random.default_rng(seed).permutation(noisy)
    for labels, misaligned in ((noisy, False), (shuffled, True)):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(Xt, labels)
        d = gapdoctor.diagnose(X_train=Xt, y_train=labels, X_val=Xv, y_val=yv, val_probs=model.predict_proba(Xv))
        found = [f for f in d.findings if f.check == "pipeline_bug.misaligned_rows" and f.score >= 0.5]
        assert bool(found) == misaligned


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_model_wrong_on_a_shifted_one_class_split_is_not_a_label_permutation(seed):
    # Breast cancer: trained on the 55% of rows with the smallest feature sum, validated on the largest
    # 25% (140 malignant, 2 benign). The MLP extrapolates to 'benign' on nearly every validation row:
    # swapping the two labels "raises" accuracy to ~0.97, yet under the swap the rows are right exactly
    # as often as the margins give any pairing (one class predicted, one class present): no relation
    # to undo, a shift. A real swapped encoding of the same split stays far above chance.
    from sklearn.neural_network import MLPClassifier

    X, y = load_breast_cancer(return_X_y=True)
    total = X.sum(axis=1)
    rng = np.random.default_rng(seed)
    tr = rng.permutation(np.flatnonzero(total < np.quantile(total, 0.55)))
    va = rng.permutation(np.flatnonzero(total > np.quantile(total, 0.75)))
    model = make_pipeline(StandardScaler(), MLPClassifier((64,), max_iter=500, random_state=seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X[tr], y[tr])
    probs = model.predict_proba(X[va])
    assert (probs.argmax(axis=1) == y[va]).mean() < 0.1
    d = gapdoctor.diagnose(X_train=X[tr], y_train=y[tr], X_val=X[va], y_val=y[va], val_probs=probs)
    found = [f for f in d.findings if f.check == "pipeline_bug.label_encoding"]
    assert all(f.score < 0.5 for f in found)
    Xt, Xv, yt, yv = _split(X, y, seed)
    tp, vp = _probs(Xt, yt, Xv)
    d = gapdoctor.diagnose(X_train=Xt, y_train=yt, X_val=Xv, y_val=1 - yv, train_probs=tp, val_probs=vp)
    assert d.top is not None and d.top.check == "pipeline_bug.label_encoding"
    assert d.top.evidence["beyond_chance_z"] >= 4.0


def test_predictions_in_another_class_order_on_both_splits_are_still_reported(digits):
    _, _, yt, yv, tp, vp = digits
    order = np.arange(10)
    order[[3, 8]] = [8, 3]  # probability columns 3 and 8 swapped on both splits (not the label encoder's order)
    d = gapdoctor.diagnose(y_train=yt, y_val=yv, train_probs=tp[:, order], val_probs=vp[:, order])
    top = d.top
    assert top is not None and top.check == "pipeline_bug.label_encoding" and top.score >= 0.5
    assert top.evidence["train_accuracy_gain_same_mapping"] > 0.1  # the training rows gain as much
    assert "both splits" in top.summary


def test_a_barely_trained_models_confusions_are_not_an_encoding_difference():
    from pathlib import Path

    from scipy.optimize import linear_sum_assignment

    recorded = np.load(Path(__file__).parents[2] / "data" / "untrained_confusion.npz")
    y_train, y_val, tp, vp = (recorded[k] for k in ("y_train", "y_val", "train_probs", "val_probs"))
    confusion = np.zeros((10, 10), dtype=int)
    np.add.at(confusion, (y_val, vp.argmax(axis=1)), 1)
    rows, cols = linear_sum_assignment(confusion, maximize=True)
    gain = (confusion[rows, cols].sum() - np.trace(confusion)) / len(y_val)
    assert gain > 0.15  # a relabelling "raises" validation accuracy by 20 points (12% -> 33%)
    d = gapdoctor.diagnose(y_train=y_train, y_val=y_val, train_probs=tp, val_probs=vp)
    assert all(s < 0.5 for s in _pipeline_scores(d))
    assert not any(f.check == "pipeline_bug.label_encoding" and f.score >= 0.2 for f in d.findings)


def test_columns_in_another_order_stay_reported_when_the_run_logged_its_own_loss(digits):
    from sklearn.metrics import log_loss

    _, _, yt, yv, tp, vp = digits
    order = np.arange(10)
    order[[3, 8]] = [8, 3]  # the loop scored the probabilities in its own order; they were exported swapped
    history = {"val_loss": [2.3, 1.0, log_loss(yv, vp, labels=np.arange(10))]}
    d = gapdoctor.diagnose(y_train=yt, y_val=yv, train_probs=tp[:, order], val_probs=vp[:, order], history=history)
    assert d.top is not None and d.top.check == "pipeline_bug.label_encoding" and d.top.score >= 0.5


def test_a_model_below_chance_early_in_training_is_not_read_as_columns_in_another_order():
    from pathlib import Path

    recorded = np.load(Path(__file__).parents[2] / "data" / "below_chance_run.npz")
    y_train, y_val, tp, vp, val_loss = (
        recorded[k] for k in ("y_train", "y_val", "train_probs", "val_probs", "val_loss")
    )
    predicted = vp.argmax(axis=1)
    assert (predicted == y_val).mean() < 0.35 and (predicted != y_val).mean() > 0.65  # swapped, it "fixes" both
    without = gapdoctor.diagnose(y_train=y_train, y_val=y_val, train_probs=tp, val_probs=vp)
    assert max(_pipeline_scores(without)) >= 0.5  # read from the arrays alone: columns in another order
    d = gapdoctor.diagnose(y_train=y_train, y_val=y_val, train_probs=tp, val_probs=vp, history={"val_loss": val_loss})
    assert all(s < 0.5 for s in _pipeline_scores(d))  # the loop's own loss scored the labels as given


def test_a_model_still_learning_the_labels_as_given_is_not_read_as_another_encoding():
    from pathlib import Path

    recorded = np.load(Path(__file__).parents[2] / "data" / "below_chance_learning_run.npz")
    y_train, y_val, tp, vp, val_loss = (
        recorded[k] for k in ("y_train", "y_val", "train_probs", "val_probs", "val_loss")
    )
    assert (vp.argmax(axis=1) == y_val).mean() < 0.2 and np.all(np.diff(val_loss) < 0)  # below chance, learning
    kwargs = {"y_train": y_train, "y_val": y_val, "train_probs": tp, "val_probs": vp}
    d = gapdoctor.diagnose(**kwargs, history={"val_loss": val_loss})
    assert not any(f.check == "pipeline_bug.label_encoding" and f.score >= 0.2 for f in d.findings)
    # the same final loss reached by rising, as labels encoded otherwise make it while the model learns:
    rising = np.linspace(0.6, val_loss[-1], len(val_loss))
    swapped = gapdoctor.diagnose(**kwargs, history={"val_loss": rising})
    assert any(f.check == "pipeline_bug.label_encoding" and f.score >= 0.5 for f in swapped.findings)


def test_a_model_memorising_heavy_label_noise_is_not_read_as_misaligned_validation_rows():
    from pathlib import Path

    recorded = np.load(Path(__file__).parents[2] / "data" / "memorised_noise_run.npz")
    y_train, y_val, tp, vp = (recorded[k] for k in ("y_train", "y_val", "train_probs", "val_probs"))
    assert vp.max(axis=1).mean() > 0.8 and (vp.argmax(axis=1) == y_val).mean() < 0.4  # sure, and at chance
    assert (tp.argmax(axis=1) == y_train).mean() < 0.4  # out of fold, the training labels are at chance too
    without = gapdoctor.diagnose(y_train=y_train, y_val=y_val, val_probs=vp)
    assert any(f.check == "pipeline_bug.misaligned_rows" and f.score >= 0.5 for f in without.findings)
    d = gapdoctor.diagnose(y_train=y_train, y_val=y_val, train_probs=tp, val_probs=vp)
    assert not any(f.check == "pipeline_bug.misaligned_rows" for f in d.findings)  # nothing singles out y_val


def test_labels_shifted_by_one_are_an_encoding_difference_though_one_class_is_validations_alone(digits):
    # validation ids 1..10 for the training ids 0..9: id 10 is never a training label (accepted, kept as it is),
    # and the other nine still pair with the model's columns one place down
    _, _, yt, yv, _, vp = digits
    padded = np.hstack([vp, np.zeros((len(vp), 1))])
    d = gapdoctor.diagnose(y_train=yt, y_val=yv + 1, val_probs=padded)
    (found,) = [f for f in d.findings if f.check == "pipeline_bug.label_encoding"]
    assert found.score >= 0.5 and found.evidence["classes_remapped"] >= 8
    mapping = found.data["mapping"]["val_label_to_true"]
    assert mapping[1] == "0" and mapping[5] == "4" and mapping[10] == "10"


def test_validation_classes_the_training_split_lacks_are_not_read_as_another_encoding(digits):
    # validation rows of classes 8 and 9 only, a model trained without them: they land on trained classes
    Xt, Xv, yt, yv, _, _ = digits
    train, val = yt < 8, yv >= 8
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300)).fit(Xt[train], yt[train])
    probs = np.hstack([model.predict_proba(Xv[val]), np.zeros((int(val.sum()), 2))])
    d = gapdoctor.diagnose(y_train=yt[train], y_val=yv[val], val_probs=probs)
    assert not [f for f in d.findings if f.check == "pipeline_bug.label_encoding"], d.render()
    assert d.top is not None and d.top.check == "distribution_shift.label_shift" and d.top.score >= 0.5
    assert d.top.evidence["unseen_classes"] == "8, 9"
