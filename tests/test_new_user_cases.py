"""Issue 13's new-user cases: ordinary runs, tried as a new user would, must get the right headline.

Each case is a real training run on bundled data (scikit-learn's MLP trained epoch by epoch,
curves recorded per epoch by :func:`gapdoctor.bench.training.train_by_epoch`), diagnosed with
:func:`gapdoctor.diagnose` as a user would call it, on every seed of :data:`tests.seeds.SEEDS`.
Each test first asserts the run shows the case's story (so a run that drifted away from it
fails loudly instead of passing for the wrong reason), then what the diagnosis must say:

- a smooth overfit (a small training subset, many epochs) headlines overfitting, not a
  learning-rate problem;
- 30% of the training labels flipped, with out-of-fold probabilities, headlines label noise;
- an imbalanced binary F1 task whose cross-validated threshold gain has a 95% interval
  excluding 0 reports metric_mismatch (>= 0.5), and heads the diagnosis.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.bench.training import flip_labels, train_by_epoch
from tests.seeds import each_seed

_LOWER_LR = "Lower the learning rate"


def _digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@each_seed
def test_a_smooth_overfit_headlines_overfitting_not_the_learning_rate(seed: int) -> None:
    X, y = _digits()
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=100, random_state=seed, stratify=y)
    with threadpool_limits(1):
        run = train_by_epoch(X_train, y_train, X_val, y_val, epochs=200, hidden=(256,), lr=3e-3, seed=seed)
        diagnosis = gapdoctor.diagnose(history=run.history, X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val)
    train_loss, val_loss = np.asarray(run.history["train_loss"]), np.asarray(run.history["val_loss"])
    # the story: validation loss turns up by over 10% while the training loss falls smoothly
    assert val_loss[-1] > 1.1 * val_loss.min() and int(np.argmin(val_loss)) < len(val_loss) // 2
    assert train_loss[-1] < 0.05 * train_loss[0] and float(np.mean(np.diff(train_loss) > 0)) < 0.1
    top = diagnosis.top
    assert top is not None and top.cause == "overfitting" and not top.weak, diagnosis.verdict()
    assert not top.fixes[0].startswith(_LOWER_LR)
    assert not [f for f in diagnosis.reported if f.cause == "optimization"], diagnosis.verdict()


@each_seed
def test_thirty_percent_flipped_labels_with_out_of_fold_probabilities_headline_label_noise(seed: int) -> None:
    X, y = _digits()
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
    noisy, flipped = flip_labels(y_train, 0.3, 10, np.random.default_rng(seed))
    with threadpool_limits(1):
        run = train_by_epoch(X_train, noisy, X_val, y_val, epochs=40, hidden=(128,), seed=seed)
        oof = cross_val_predict(LogisticRegression(max_iter=2000), X_train, noisy, cv=5, method="predict_proba")
        diagnosis = gapdoctor.diagnose(
            history=run.history, X_train=X_train, y_train=noisy, X_val=X_val, y_val=y_val, train_probs=oof
        )
    top = diagnosis.top
    assert top is not None and top.cause == "label_noise" and not top.weak, diagnosis.verdict()
    assert not top.fixes[0].startswith(_LOWER_LR)
    # the estimate brackets the truth, and the rows it flags are mostly the flipped ones
    assert top.evidence["noise_rate_low_pct"] <= 30.0 + 5.0 and top.evidence["noise_rate_high_pct"] >= 30.0 - 5.0
    assert top.rows is not None and np.isin(top.rows, flipped).mean() > 0.8


@each_seed
def test_an_f1_task_whose_threshold_gain_interval_excludes_zero_reports_metric_mismatch(seed: int) -> None:
    # one fixed task (imbalanced, overlapping classes); the seed draws the split and the training
    X, y = make_classification(
        n_samples=10000, n_features=20, n_informative=5, weights=[0.93, 0.07], flip_y=0.02, random_state=0
    )
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    with threadpool_limits(1):
        run = train_by_epoch(X_train, y_train, X_val, y_val, epochs=30, hidden=(64,), seed=seed, metric="f1")
        oof = cross_val_predict(model, X_train, y_train, cv=5, method="predict_proba")
        val_probs = model.fit(X_train, y_train).predict_proba(X_val)
        diagnosis = gapdoctor.diagnose(
            history=run.history,
            X_train=X_train,
            y_train=y_train,
            X_val=X_val,
            y_val=y_val,
            train_probs=oof,
            val_probs=val_probs,
            metric="f1",
        )
    mismatch = [f for f in diagnosis.findings if f.cause == "metric_mismatch"]
    assert mismatch, diagnosis.verdict()
    finding = mismatch[0]
    assert finding.evidence["cross_validated_gain_low"] > 0  # the case: the gain's 95% interval excludes 0
    assert finding.score >= 0.5 and not finding.weak
    top = diagnosis.top
    assert top is not None and top.cause == "metric_mismatch", diagnosis.verdict()
    # ahead of the minority class's low recall it explains, saying why when that scored higher
    lagging = [f for f in diagnosis.reported if f.cause == "subgroup_failure"]
    if lagging and lagging[0].score > top.score:
        assert top.ranked_ahead_because is not None and "subgroup_failure" in top.ranked_ahead_because
