"""A training loss that sits at a uniform guess's ln k learned nothing: a stall, not convergence.

Before, the optimisation check excused such a curve as converged (its falls shrink to nothing at
its floor), so a model that learned nothing was reported healthy: "looked and found nothing" where
there was plainly something. Found on a real Keras log collected after the checks were last
changed (``tests/data/real_logs_heldout2/keras_aes_neural_trainer.csv``, binary, 0.6933 for 37
epochs, validation ROC AUC 0.50).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch

import gapdoctor
from gapdoctor.bench.corpus.torch_mlp import torch_train_by_epoch
from gapdoctor.causes.optimization.chance import chance_level

REAL_LOG = Path(__file__).resolve().parents[2] / "data" / "real_logs_heldout2" / "keras_aes_neural_trainer.csv"


def _at_chance(finding: gapdoctor.Finding) -> int | None:
    """The class count of a stall-at-chance finding (None for any other finding)."""
    return getattr(finding.result, "chance_level_classes", None) if finding.cause == "optimization" else None


def _stalls_at_chance(diagnosis: gapdoctor.Diagnosis) -> list[int]:
    return [k for k in map(_at_chance, diagnosis.findings) if k is not None]


def _blank_features_stall(y: np.ndarray, seed: int) -> gapdoctor.Diagnosis:
    """A real torch MLP trained 30 epochs on all-zero features (labels ``y``, 800 / 400 rows), diagnosed from its
    curves: its headline must be a reported optimisation finding."""
    torch.set_num_threads(1)
    X = np.zeros((len(y), 20))
    run = torch_train_by_epoch(X[:800], y[:800], X[800:], y[800:], epochs=30, hidden=(32,), lr=1e-3, seed=seed)
    diagnosis = gapdoctor.diagnose(history={name: [float(v) for v in vals] for name, vals in run.history.items()})
    top = diagnosis.top
    assert top is not None and not top.weak and top.cause == "optimization", diagnosis.findings
    return diagnosis


def test_the_real_log_of_a_model_that_learned_nothing_headlines_a_stall_at_chance() -> None:
    diagnosis = gapdoctor.diagnose(history=REAL_LOG)
    top = diagnosis.top
    assert top is not None and not top.weak and top.cause == "optimization"
    assert _stalls_at_chance(diagnosis) == [2]
    assert "ln 2 = 0.693" in top.summary and "uniform guess" in top.summary
    assert top.fixes[0].startswith("Check that the model can learn at all")


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("classes", [2, 3])
def test_a_network_fed_blank_features_stalls_at_chance(seed: int, classes: int) -> None:
    """A real torch run whose features never reach it (all zeros: a loader bug): its loss is ln k from the start."""
    y = np.random.default_rng(seed).permutation(np.arange(1200) % classes).astype(np.int64)
    assert _stalls_at_chance(_blank_features_stall(y, seed))[:1] == [classes]


def test_a_loss_that_learned_its_way_down_to_ln_2_is_not_at_chance() -> None:
    """Ten classes, from ln 10 down to 0.693: the model learned (the start says so)."""
    learned = np.r_[np.geomspace(2.30, 0.80, 8), 0.6935 + 0.0002 * np.cos(np.arange(30))]
    assert chance_level(learned) is None


def test_a_validation_loss_below_chance_means_the_model_learned() -> None:
    flat = np.r_[0.70, np.full(30, 0.6932)]
    assert chance_level(flat) is not None
    assert chance_level(flat, val=np.r_[0.69, np.full(30, 0.62)]) is None  # 10% under ln 2: it learned
    assert chance_level(flat, val=np.full(31, 0.6971)) is not None  # 0.6% above: the shares differ, a guess


@pytest.mark.parametrize("level", [0.6, 1.25, np.log(20), np.log(4) * 1.01])
def test_a_flat_loss_away_from_a_small_ln_k_is_not_read_as_chance(level: float) -> None:
    assert chance_level(np.r_[level * 1.02, np.full(30, level)]) is None


def test_a_noisy_plateau_near_ln_2_is_not_read_as_chance() -> None:
    """Nine points in ten must sit within twice the tolerance: a loss wandering 2% about ln 2 is a plateau."""
    rng = np.random.default_rng(0)
    wandering = np.r_[0.71, np.log(2) * (1 + 0.02 * np.abs(rng.standard_normal(30)))]
    assert chance_level(wandering) is None


def test_a_slow_learner_near_its_start_is_not_at_chance() -> None:
    """Three classes, a rate of 1e-4: the loss falls 1.1066 -> 1.0921 over 32 epochs (a rejected corpus draw of the
    CNN family, seed 200158002, whose validation accuracy rose 0.33 -> 0.46): all within 0.8% of ln 3, but falling."""
    slow = np.linspace(1.1066, 1.0921, 32)
    assert chance_level(slow, val=np.linspace(1.1039, 1.0892, 32), shares=np.array([0.33, 0.4, 0.27])) is None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_imbalanced_network_fed_blank_features_sits_at_its_class_shares(seed: int) -> None:
    """10% positives, features all zeros: the bias learns the shares at once and the loss sits at their entropy
    (about 0.31, not ln 2), which only the labels tell; the validation rows' own shares set their guess's loss."""
    torch.set_num_threads(1)
    y = (np.random.default_rng(seed).random(1200) < 0.1).astype(np.int64)
    X = np.zeros((1200, 20))
    run = torch_train_by_epoch(X[:800], y[:800], X[800:], y[800:], epochs=30, hidden=(32,), lr=1e-2, seed=seed)
    history = {name: [float(v) for v in values] for name, values in run.history.items()}
    diagnosis = gapdoctor.diagnose(history=history, y_train=y[:800], y_val=y[800:])
    at_chance = [f for f in diagnosis.findings if _at_chance(f) == 2]
    assert at_chance and not at_chance[0].weak, diagnosis.findings
    assert "class shares" in at_chance[0].summary


# Validation decisions that never changed (frozen.frozen_decisions): read from the logs alone, without the class count.
DATA = Path(__file__).resolve().parents[2] / "data"


def _frozen(diagnosis: gapdoctor.Diagnosis) -> list[tuple[str, int]]:
    """(metric, evaluations) of each optimisation finding that read the validation decisions as frozen."""
    return [
        (f.result.frozen_metric, f.result.frozen_evaluations)
        for f in diagnosis.findings
        if f.cause == "optimization" and getattr(f.result, "frozen_metric", None) is not None
    ]


@pytest.mark.parametrize(
    ("log", "evaluations"),
    [
        ("real_logs_heldout11/keras_dermacqi.csv", 9),  # loss ln 6 -> 1.165 (the shares' entropy), accuracy 0.6698
        ("real_logs_heldout15/pl_telangana_crop_health_v1.csv", 20),  # accuracy 0.8247 at every epoch
    ],
)
def test_real_logs_whose_validation_accuracy_never_moved_headline_a_stall(log: str, evaluations: int) -> None:
    """Two real runs reported healthy before: their validation accuracy is one class's share at every epoch."""
    diagnosis = gapdoctor.diagnose(history=DATA / log)
    top = diagnosis.top
    assert top is not None and not top.weak and top.cause == "optimization", diagnosis.findings
    assert _frozen(diagnosis) == [("accuracy", evaluations)]
    assert f"at all {evaluations} evaluations: the model's decisions never changed" in top.summary
    assert (
        top.fixes[0].startswith("Check that the model can learn at all") and "weight the loss by class" in top.fixes[0]
    )


def test_a_real_log_with_a_tiny_rate_keeps_its_rate_story_and_says_the_decisions_froze() -> None:
    """A real Keras log (rate at most 1e-5, accuracy 0.2 at all 8 epochs): the rate tells the story, the payload
    records the frozen decisions."""
    diagnosis = gapdoctor.diagnose(history=DATA / "real_logs_heldout2/keras_aionos_diagnostic.csv")
    top = diagnosis.top
    assert top is not None and not top.weak and top.cause == "optimization"
    assert "the learning rate never exceeds 1e-05" in top.summary
    assert _frozen(diagnosis) == [("accuracy", 8)]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shares", [(8, 2), (7, 2, 1)])
def test_a_network_fed_blank_features_on_imbalanced_classes_is_read_from_its_decisions(
    seed: int, shares: tuple[int, ...]
) -> None:
    """A real torch run whose features never reach it, on imbalanced classes: its loss falls from ln k to the shares'
    entropy (no ln k to sit at), its validation accuracy is the majority's share from its first epochs. Reported
    healthy before (0 of these 6 runs); now a stall read from the frozen decisions."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.resize(np.repeat(np.arange(len(shares)), shares), 1200)).astype(np.int64)
    [(metric, evaluations)] = _frozen(_blank_features_stall(y, seed))
    assert metric == "accuracy" and evaluations >= 20


def test_a_good_model_whose_few_validation_rows_keep_one_accuracy_is_not_read_as_frozen() -> None:
    """Real torch runs on small validation sets (12 and 20 rows of breast cancer and wine): a good model answers
    them alike for most of the run (an accuracy of 0.917 or 0.95 at its last 24-30 epochs), but its losses go
    far below what one answer for every row can reach: no frozen-decision reading."""
    from sklearn.datasets import load_breast_cancer, load_wine
    from sklearn.preprocessing import StandardScaler

    torch.set_num_threads(1)
    froze_below_ceiling = 0
    for loader in (load_breast_cancer, load_wine):
        X, y = loader(return_X_y=True)
        X = StandardScaler().fit_transform(X)
        for n_val, seed in itertools.product((12, 20), range(4)):
            rows = np.random.default_rng(seed).permutation(len(y))
            val, train = rows[:n_val], rows[n_val:]
            run = torch_train_by_epoch(
                X[train],
                y[train].astype(np.int64),
                X[val],
                y[val].astype(np.int64),
                epochs=30,
                hidden=(32,),
                lr=1e-2,
                seed=seed,
            )
            history = {name: [float(v) for v in values] for name, values in run.history.items()}
            accuracy = np.asarray(history["val_accuracy"])
            froze_below_ceiling += int(accuracy[-1] < 1 and np.all(accuracy[-20:] == accuracy[-1]))
            assert _frozen(gapdoctor.diagnose(history=history)) == []
    assert froze_below_ceiling >= 1  # the case is met (3 of these 16 runs here): one value under 1 for 20 epochs


@pytest.mark.parametrize(
    ("metric", "values", "frozen"),
    [
        ("accuracy", [0.5] + [0.7] * 8, True),  # the first evaluation answered another class
        ("accuracy", [0.5, 0.6, 0.65, 0.68] + [0.7] * 5, False),  # the last 5 of 9: under two thirds
        ("accuracy", [0.7] * 5, False),  # too few evaluations
        ("accuracy", [1.0] * 9, False),  # at the ceiling: saturation's, not a collapse
        ("accuracy", [0.7] * 8 + [0.7001], False),  # the last evaluation changed a decision
        ("error", [0.3] * 9, True),
        # no loss bound tells these from a model that ranks its rows but never crosses the threshold (metric
        # mismatch on an imbalanced task: two calibration scenarios' F1 sat at 0 throughout)
        ("f1", [0.0] * 9, False),
        ("mcc", [0.0] * 9, False),
        ("balanced_accuracy", [0.5] * 9, False),
    ],
)
def test_which_frozen_values_read_as_one_answer(metric: str, values: list[float], frozen: bool) -> None:
    from gapdoctor.causes.optimization.frozen import frozen_decisions
    from gapdoctor.inputs.history import RunHistory

    train = list(np.linspace(1.2, 0.9, len(values)))  # above the binary entropy of every share read here
    history = RunHistory.from_any({"train_loss": train, f"val_{metric}": values})
    assert (frozen_decisions(history) is not None) is frozen


def test_a_validation_loss_below_the_entropy_of_the_frozen_share_learned_something() -> None:
    """Accuracy 0.9 at every epoch: one answer for every row scores a validation loss of at least 0.325 (the binary
    entropy of 0.9); a loss of 0.2 is a model that ranks its rows, answering its few validation rows alike."""
    from gapdoctor.causes.optimization.frozen import frozen_decisions
    from gapdoctor.inputs.history import RunHistory

    accuracy, train = [0.9] * 10, list(np.linspace(0.9, 0.4, 10))
    collapsed = RunHistory.from_any({"train_loss": train, "val_loss": [0.34] * 10, "val_accuracy": accuracy})
    ranking = RunHistory.from_any({"train_loss": train, "val_loss": [0.2] * 10, "val_accuracy": accuracy})
    assert frozen_decisions(collapsed) is not None and frozen_decisions(ranking) is None


def test_a_loss_in_the_thousands_has_no_chance_level_and_the_check_runs() -> None:
    """A CTC loss summed over a batch (4,175 -> 1,458) overflowed ``exp`` here: the optimisation check errored and the
    real run (``real_logs_heldout3/hf_stressdetection.json``) read "no cause" — not looked at, yet read as healthy."""
    assert chance_level(np.r_[4175.0, 3550.0, np.full(30, 1458.0)]) is None
    path = REAL_LOG.parents[1] / "real_logs_heldout3" / "hf_stressdetection.json"
    diagnosis = gapdoctor.diagnose(history=path)
    assert "optimization.curves" in {c.name for c in diagnosis.checks if c.status == "ran"}
    assert not [c for c in diagnosis.checks if c.status == "errored"]


def test_a_training_loss_that_climbed_back_beyond_its_noise_is_told_to_lower_the_rate_not_raise_it() -> None:
    """The same run: a constant rate of 3e-4, the training loss 883 at epoch 4.2, 2,397 at 5.1, 1,458 at the end
    (WER 0.352 at its best, 0.375 at the end). A rise over the last third of 34% (give or take 11%) is no flat end:
    the flat end's advice, raise the rate, was the first fix."""
    path = REAL_LOG.parents[1] / "real_logs_heldout3" / "hf_stressdetection.json"
    top = gapdoctor.diagnose(history=path).top
    assert top is not None and top.cause == "optimization" and not top.weak
    assert "climbed back over the last third" in top.summary
    assert top.fixes[0].startswith("Lower the learning rate") and not any(f.startswith("Raise") for f in top.fixes)
