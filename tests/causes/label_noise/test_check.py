"""label_noise: confident learning on out-of-fold probabilities, and memorisation from per-row losses."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.bench.training import train_by_epoch
from gapdoctor.causes.label_noise.confident_learning import find_label_issues
from gapdoctor.inputs.evidence import build_evidence
from tests.causes.label_noise_data import dataset, flip_labels, noisy_split, per_row_losses
from tests.seeds import each_seed


def _finding(diagnosis: gapdoctor.Diagnosis, check: str) -> gapdoctor.Finding:
    return next(f for f in diagnosis.findings if f.check == check)


def _score(diagnosis: gapdoctor.Diagnosis, cause: str = "label_noise") -> float:
    return max((f.score for f in diagnosis.findings if f.cause == cause), default=0.0)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("digits", "symmetric"),
        ("digits", "class_conditional"),
        ("wine", "class_conditional"),
        ("breast_cancer", "symmetric"),
    ],
)
def test_injected_noise_is_reported_with_its_rows(name: str, kind: str) -> None:
    clean, given, probs = noisy_split(name, 0.10, kind)
    flipped = given != clean
    diagnosis = gapdoctor.diagnose(y_train=given, train_probs=probs)
    finding = _finding(diagnosis, "label_noise.confident_learning")
    assert finding.score >= 0.5 and diagnosis.top is finding
    assert "overlap_caveat" not in finding.evidence
    low, high = finding.evidence["noise_rate_low_pct"], finding.evidence["noise_rate_high_pct"]
    assert low <= 100 * flipped.mean() + 8 and high >= 100 * flipped.mean() - 4  # near the truth
    rows = np.array(finding.rows)
    precision = flipped[rows].mean()
    recall = flipped[rows].sum() / flipped.sum()
    assert precision >= 0.45 and recall >= 0.65
    top_fifth = rows[: max(len(rows) // 5, 5)]
    assert flipped[top_fifth].mean() >= max(0.75, precision)  # most suspicious first


@pytest.mark.parametrize(("name", "rate"), [("wine", 0.10), ("wine", 0.20), ("digits", 0.10)])
def test_noise_matrix_shows_which_class_is_confused_for_which(name: str, rate: float) -> None:
    _clean, given, probs = noisy_split(name, rate, "class_conditional")
    finding = _finding(gapdoctor.diagnose(y_train=given, train_probs=probs), "label_noise.confident_learning")
    counts = np.array(finding.data["noise_matrix"]["counts"])
    k = counts.shape[0]
    assert finding.data["noise_matrix"]["classes"] == [str(c) for c in range(k)]
    assert counts.sum() == len(given)
    # class t was relabelled t+1: the mass sits at (given t+1, estimated true t)
    injected = sum(counts[(t + 1) % k, t] for t in range(k))
    other = counts.sum() - np.trace(counts) - injected
    assert injected > other
    off = counts - np.diag(np.diag(counts))
    given_label, true_label = np.unravel_index(off.argmax(), off.shape)
    assert given_label == (true_label + 1) % k


def test_suspects_follow_the_data_schema_and_serialise() -> None:
    _clean, given, probs = noisy_split("digits", 0.10, "symmetric")
    diagnosis = gapdoctor.diagnose(y_train=given, train_probs=probs)
    finding = _finding(diagnosis, "label_noise.confident_learning")
    suspects = finding.data["suspects"]
    assert len(suspects) == 50
    assert [s["row"] for s in suspects] == list(finding.rows[:50])
    for s in suspects:
        assert s["given"] == str(given[s["row"]]) and s["suggested"] != s["given"]
        assert s["confidence"] == pytest.approx(probs[s["row"], int(s["suggested"])], abs=1e-4)
    json.dumps(diagnosis.to_dict())


@pytest.mark.parametrize("name", ["digits", "wine", "breast_cancer"])
def test_clean_labels_do_not_fire(name: str) -> None:
    _, given, probs = noisy_split(name)
    diagnosis = gapdoctor.diagnose(y_train=given, train_probs=probs)
    assert _score(diagnosis) < 0.5
    assert diagnosis.healthy


def test_overlapping_classes_get_a_caveat_when_the_model_errs_far_more_than_the_estimate() -> None:
    # clean labels (flip_y=0) but overlapping classes: confident learning counts the overlap as noise
    X, y = make_classification(
        3000, 20, n_informative=10, n_classes=4, n_clusters_per_class=1, flip_y=0.0, random_state=0
    )
    with threadpool_limits(1):
        probs = cross_val_predict(LogisticRegression(max_iter=3000), X, y, cv=5, method="predict_proba")
    finding = _finding(gapdoctor.diagnose(y_train=y, train_probs=probs), "label_noise.confident_learning")
    assert finding.evidence["out_of_fold_error_pct"] > 2 * finding.evidence["noise_rate_pct"]
    assert "overlap_caveat" in finding.evidence and "overlap in feature space" in finding.summary


@each_seed
@pytest.mark.parametrize("rate", [0.10, 0.20])
def test_label_noise_ranks_first_in_a_real_run_with_its_training_curves(rate: float, seed: int) -> None:
    X, y = dataset("digits")
    clean, given, probs = noisy_split("digits", rate, "symmetric", seed)
    train, val = np.arange(0, 1400), np.arange(1400, len(y))
    run = train_by_epoch(X[train], given[train], X[val], clean[val], epochs=25, hidden=(64,), seed=seed)
    diagnosis = gapdoctor.diagnose(
        history=run.history, y_train=given[train], train_probs=probs[train], y_val=clean[val], val_probs=run.val_probs
    )
    assert diagnosis.top is not None and diagnosis.top.cause == "label_noise"


def test_agrees_with_cleanlab_on_the_same_inputs() -> None:
    cleanlab_filter = pytest.importorskip("cleanlab.filter")
    for name, kind in [("digits", "symmetric"), ("wine", "class_conditional"), ("breast_cancer", "symmetric")]:
        _clean, given, probs = noisy_split(name, 0.20, kind)
        ours = np.zeros(len(given), dtype=bool)
        ours[find_label_issues(given, probs).rows] = True
        theirs = cleanlab_filter.find_label_issues(given, probs, n_jobs=1)
        jaccard = (ours & theirs).sum() / (ours | theirs).sum()
        assert jaccard >= 0.95, name


def test_chunked_passes_give_the_same_answer() -> None:
    _, given, probs = noisy_split("digits", 0.20, "class_conditional")
    whole = find_label_issues(given, probs)
    chunked = find_label_issues(given, probs, chunk_rows=97)
    assert np.array_equal(whole.rows, chunked.rows)
    assert np.array_equal(whole.confident_joint, chunked.confident_joint)
    assert whole.noise_rate == pytest.approx(chunked.noise_rate)
    assert np.all(np.diff(whole.margin) <= 1e-12)  # ranked by normalised margin


@each_seed
def test_memorisation_alone_flags_late_fitted_rows(seed: int) -> None:
    X, y = dataset("digits")
    given = flip_labels(y, 0.15, "symmetric", seed)
    _, losses = per_row_losses(X, given, seed=seed)
    diagnosis = gapdoctor.diagnose(y_train=given, sample_losses=losses)
    assert diagnosis.top is not None and diagnosis.top.check == "label_noise.memorisation"
    assert diagnosis.top.score >= 0.5
    rows = np.array(diagnosis.top.rows)
    assert (given[rows[:100]] != y[rows[:100]]).mean() >= 0.8  # never-fitted rows first: mostly flipped


@each_seed
def test_memorisation_on_clean_labels_does_not_fire(seed: int) -> None:
    X, y = dataset("digits")
    _, losses = per_row_losses(X, y, seed=seed)
    assert _score(gapdoctor.diagnose(y_train=y, sample_losses=losses)) < 0.5


@each_seed
def test_memorisation_corroborates_confident_learning(seed: int) -> None:
    X, _y = dataset("digits")
    clean, given, probs = noisy_split("digits", 0.10, "symmetric", seed)
    _, losses = per_row_losses(X, given, seed=seed)
    alone = _finding(gapdoctor.diagnose(y_train=given, train_probs=probs), "label_noise.confident_learning")
    both = gapdoctor.diagnose(y_train=given, train_probs=probs, sample_losses=losses)
    finding = _finding(both, "label_noise.confident_learning")
    assert (
        finding.evidence["late_fitted_share_of_flagged_pct"] > 3 * finding.evidence["late_fitted_share_of_others_pct"]
    )
    assert finding.score > alone.score
    assert "memorised" in finding.summary
    assert not any(f.check == "label_noise.memorisation" for f in both.findings)
    rows = np.array(finding.rows)
    assert (given[rows[:50]] != clean[rows[:50]]).mean() >= 0.9


@each_seed
def test_memorisation_tracks_a_subset_of_rows_with_unseen_epochs(seed: int) -> None:
    X, y = dataset("digits")
    given = flip_labels(y, 0.15, "symmetric", seed)
    _, losses = per_row_losses(X, given, epochs=12, seed=seed)
    tracked = np.arange(0, len(y), 2)
    subset = losses[:, tracked].copy()
    subset[0, :10] = np.nan  # not seen in the first epoch
    evidence = build_evidence(y_train=given, sample_losses=subset, sample_loss_rows=tracked)
    from gapdoctor.causes.label_noise.memorisation import memorisation_of

    memo = memorisation_of(evidence)
    assert set(memo.rows.tolist()) == set(tracked.tolist())
    late_rows = memo.rows[memo.late]
    assert (given[late_rows] != y[late_rows]).mean() >= 0.5


def test_a_single_class_is_skipped_with_a_reason() -> None:
    given = np.zeros(60, dtype=np.int64)
    diagnosis = gapdoctor.diagnose(y_train=given, train_probs=np.ones((60, 1)))
    run = next(c for c in diagnosis.checks if c.name == "label_noise.confident_learning")
    assert run.status == "skipped" and "single class" in run.reason


def test_too_few_rows_is_skipped_with_a_reason() -> None:
    _, given, probs = noisy_split("wine")
    rows = np.concatenate([np.flatnonzero(given == c)[:7] for c in range(3)])[:20]  # every class: 3 columns
    diagnosis = gapdoctor.diagnose(y_train=given[rows], train_probs=probs[rows])
    run = next(c for c in diagnosis.checks if c.name == "label_noise.confident_learning")
    assert run.status == "skipped" and "20 training rows" in run.reason


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"train_probs": np.full((10, 3), 1 / 3)}, "train_probs"),  # wrong row count
        ({"train_probs": np.full((178, 3), 2.0)}, "train_probs"),  # logits, not probabilities
        ({"sample_losses": -np.ones((5, 178))}, "sample_losses"),
        ({"sample_losses": np.ones((5, 3)), "sample_loss_rows": np.array([0, 1, 500])}, "sample_loss_rows"),
    ],
)
def test_bad_inputs_name_the_argument(kwargs: dict[str, object], argument: str) -> None:
    _, given, _ = noisy_split("wine")
    with pytest.raises(gapdoctor.GapdoctorInputError) as error:
        gapdoctor.diagnose(y_train=given, **kwargs)  # type: ignore[arg-type]
    assert error.value.argument == argument
    assert str(error.value).startswith(argument)


def test_memory_stays_below_the_input_size_when_chunked() -> None:
    import tracemalloc

    rng = np.random.default_rng(0)
    n, k = 200_000, 10
    true = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), true] += 3.0
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    given = flip_labels(true, 0.2, "symmetric")
    tracemalloc.start()
    issues = find_label_issues(given, probs, chunk_rows=8192)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 0.5 * probs.nbytes  # chunk temporaries and the flagged rows, never N x k copies (nor N x N)
    flipped = given != true
    assert flipped[issues.rows].mean() > 0.8


def test_suspects_and_noise_matrix_use_the_original_label_names() -> None:
    clean, given, probs = noisy_split("wine", 0.20, "symmetric")
    names = np.array(["barolo", "grignolino", "barbera"])
    diagnosis = gapdoctor.diagnose(y_train=names[given], train_probs=probs[:, [2, 0, 1]])  # sorted-name order
    finding = _finding(diagnosis, "label_noise.confident_learning")
    assert finding.data["noise_matrix"]["classes"] == ["barbera", "barolo", "grignolino"]  # sorted label order
    first = finding.data["suspects"][0]
    assert first["given"] == names[given[first["row"]]]
    assert first["suggested"] == names[clean[first["row"]]]
