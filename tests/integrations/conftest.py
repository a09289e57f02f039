"""Shared data for the training-loop integration tests: scikit-learn's bundled digits."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras 3 on torch: no TensorFlow needed


@dataclass(frozen=True)
class Split:
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    flipped: np.ndarray  # training rows whose label was replaced by a wrong one


LIGHTNING_WARNINGS = [
    pytest.mark.filterwarnings("ignore:.*does not have many workers.*"),
    pytest.mark.filterwarnings("ignore:.*GPU available but not used.*"),
    pytest.mark.filterwarnings("ignore:.*number of training batches.*"),
    pytest.mark.filterwarnings("ignore:.*LeafSpec.*:FutureWarning"),  # lightning 2.6 on torch 2.13
]
"""Lightning's advice for real jobs (workers, GPUs, batches), not faults of tiny test runs."""


QUIET_TRAINER = {
    "accelerator": "cpu",
    "devices": 1,
    "logger": False,
    "enable_progress_bar": False,
    "enable_model_summary": False,
    "enable_checkpointing": False,
    "num_sanity_val_steps": 0,
}
"""The settings every Lightning test trains with: one CPU device, nothing written, nothing printed."""


def quiet_trainer(**settings: Any) -> Any:
    """A ``lightning.pytorch.Trainer`` with :data:`QUIET_TRAINER`'s settings; ``settings`` add or override."""
    import lightning.pytorch as L

    return L.Trainer(**{**QUIET_TRAINER, **settings})


def tensor_loader(X: np.ndarray, y: np.ndarray, **options: Any) -> Any:
    """A torch ``DataLoader`` over the rows of ``X`` and ``y`` (``options``: batch size, shuffling)."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    return DataLoader(TensorDataset(torch.from_numpy(X), torch.from_numpy(y)), **options)


def csv_column(path: Path, name: str) -> list[float]:
    """The values a logger's CSV file holds in column ``name``, its empty cells skipped."""
    import csv

    with path.open() as handle:
        return [float(row[name]) for row in csv.DictReader(handle) if row.get(name)]


def digits_split(n_train: int, *, flip_fraction: float = 0.0, seed: int = 0) -> Split:
    """A digits train/validation split; ``flip_fraction`` of the training labels made wrong."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, train_size=n_train, test_size=500, random_state=seed, stratify=y
    )
    rng = np.random.default_rng(seed)
    flipped = np.sort(rng.choice(n_train, size=int(flip_fraction * n_train), replace=False))
    y_train = y_train.copy()
    y_train[flipped] = (y_train[flipped] + rng.integers(1, 10, size=len(flipped))) % 10
    return Split(X_train, y_train.astype(np.int64), X_val, y_val.astype(np.int64), flipped)


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)


README = Path(__file__).resolve().parents[2] / "README.md"


def readme_snippet(first_line: str, **replace: str) -> str:
    """The README's ```python block that begins with ``first_line``, as is (``replace``: old -> new text,
    e.g. the metric a test passes; each must occur)."""
    blocks = README.read_text(encoding="utf-8").split("```python\n")[1:]
    code = next(block.split("```", 1)[0] for block in blocks if block.startswith(first_line))
    for old, new in replace.items():
        assert old in code, f"{old!r} is not in the README's snippet"
        code = code.replace(old, new)
    return code


def imbalanced_split(seed: int) -> Split:
    """Binary rows, 10% positives, classes that overlap (scaled): judged on F1, the 0.5 threshold is the
    wrong one (the positives' probabilities rarely reach it); 3000 validation rows show the gain."""
    X, y = make_classification(
        n_samples=6000,
        n_features=20,
        n_informative=5,
        weights=[0.9, 0.1],
        class_sep=0.4,
        flip_y=0.0,
        random_state=seed,
    )
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.5, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_val = (scaler.transform(a).astype(np.float32) for a in (X_train, X_val))
    return Split(X_train, y_train.astype(np.int64), X_val, y_val.astype(np.int64), np.zeros(0, dtype=np.int64))


REPORTED = 0.5  # gapdoctor's reporting threshold
F1_EPOCHS = 4  # early: the positives' probabilities are still low, the 0.5 threshold far off (0.70-0.87 on seeds 0-5)
MIN_PRECISION = 0.8  # share of the flagged rows truly flipped (0.93-0.95 measured on seeds 0-2, every framework)


def assert_label_noise_headline(diagnosis: Any, split: Split) -> None:
    """The README runs' label-noise verdict: headlined, reported, and its flagged rows mostly truly flipped."""
    top = diagnosis.top
    assert top is not None and top.cause == "label_noise" and top.score >= REPORTED, diagnosis.render()
    assert np.isin(top.rows, split.flipped).mean() > MIN_PRECISION


def assert_nothing_reported(diagnosis: Any) -> None:
    """The README runs' healthy verdict: looked (judged) and found nothing reported."""
    assert diagnosis.judged and diagnosis.reported == [], diagnosis.render()


def assert_threshold_fix(diagnosis: Any) -> None:
    """The README runs' imbalanced-F1 verdict: the decision-threshold finding, pointing below 0.5."""
    from gapdoctor.causes.metric_mismatch.result import DecisionRuleGain

    threshold = next(f for f in diagnosis.reported if f.check == "metric_mismatch.decision_rule")
    assert isinstance(threshold.result, DecisionRuleGain)
    assert threshold.result.best_rule < threshold.result.default_rule == 0.5  # the minority class: a lower one
