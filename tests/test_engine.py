"""The one runner: diagnose() and diagnose_search() run their checks through the same guarded loop."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import numpy as np
import pytest

import gapdoctor
from gapdoctor.causes.registry import REGISTRY, all_checks, register
from gapdoctor.findings import Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.trials import SearchTrials

TRIALS = [{"params": {"C": c}, "value": v, "val_size": 80} for c, v in [(0.1, 0.91), (1, 0.925), (10, 0.9125)]]


@pytest.fixture
def rogue_search_check() -> Iterator[None]:
    @register(name="search_noise.rogue", cause="search_noise", reads=SearchTrials)
    def rogue(search: SearchTrials) -> list[Finding]:
        return [Finding("overfitting", 0.99, f"{len(search.trials)} trials")]

    yield
    del REGISTRY["search_noise.rogue"]


def test_search_checks_are_registered_for_trials_only() -> None:
    search = {c.name for c in all_checks(SearchTrials)}
    run = {c.name for c in all_checks()}
    assert search == {"search_noise.ties", "search_noise.training_loss_ranking", "search_noise.overfitted_best"}
    assert not search & run and all(c.reads is Evidence for c in all_checks())
    # the order the search's diagnoses list them in (its folder's CHECK_ORDER)
    assert [r.name for r in gapdoctor.diagnose_search(TRIALS).checks] == [c.name for c in all_checks(SearchTrials)]


def test_a_search_check_that_reports_another_cause_is_refused(rogue_search_check: None) -> None:
    diagnosis = gapdoctor.diagnose_search(TRIALS)
    run = next(r for r in diagnosis.checks if r.name == "search_noise.rogue")
    assert run.status == "errored" and "not its own cause 'search_noise'" in run.reason
    assert all(f.cause == "search_noise" for f in diagnosis.findings)


def test_a_failing_search_check_is_recorded_not_raised() -> None:
    @register(name="search_noise.broken", cause="search_noise", reads=SearchTrials)
    def broken(search: SearchTrials) -> list[Finding]:
        raise RuntimeError("a bug")

    try:
        diagnosis = gapdoctor.diagnose_search(TRIALS)
    finally:
        del REGISTRY["search_noise.broken"]
    run = next(r for r in diagnosis.checks if r.name == "search_noise.broken")
    assert run.status == "errored" and run.reason.startswith("RuntimeError: a bug")
    assert diagnosis.top is not None and diagnosis.top.cause == "search_noise"  # the other checks still ran


def _float32_split(rng: np.random.Generator, rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = rng.normal(size=(rows, 20)).astype(np.float32)
    logits = rng.normal(size=(rows, 10))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return X, rng.integers(0, 10, rows), probs.astype(np.float32)


def _traced_peak(arrays: list[np.ndarray]) -> int:
    names = ("X_train", "y_train", "train_probs", "X_val", "y_val", "val_probs")
    tracemalloc.start()
    try:
        gapdoctor.diagnose(**dict(zip(names, arrays, strict=True)))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_whole_diagnosis_reads_float32_features_without_a_copy() -> None:
    rng = np.random.default_rng(0)
    _traced_peak([*_float32_split(rng, 2_000), *_float32_split(rng, 500)])  # imports, first-call caches
    small = [*_float32_split(rng, 40_000), *_float32_split(rng, 10_000)]
    large = [*_float32_split(rng, 160_000), *_float32_split(rng, 40_000)]
    # the checks' budgeted samples cost a fixed working set (tens of MB, whatever the rows):
    # what must stay under half the inputs is the memory that grows with them
    grown = _traced_peak(large) - _traced_peak(small)
    added = sum(a.nbytes for a in large) - sum(a.nbytes for a in small)
    # 0.29x here; before (a float64 copy of X at the door) 3.0x
    assert grown < MAX_EXTRA_MEMORY * added, grown / added


MAX_EXTRA_MEMORY = 0.5
"""Issue 16: diagnose()'s extra memory at most half its inputs' bytes."""


def _keras_run_columns() -> dict[str, list[float]]:
    """A real Keras run's per-epoch values (``CSVLogger``, tests/data/real_logs)."""
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parent / "data" / "real_logs" / "keras_emotion_resnet50_training.log"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {name: [float(row[name]) for row in rows] for name in ("loss", "accuracy", "val_loss", "val_accuracy")}


def test_a_loop_s_own_nested_dict_diagnoses_as_its_flat_twin() -> None:
    """``history = {"train": {"loss": [], "acc": []}, "val": {...}}``, as loops collect it, passed as it is: before,
    "series 'train' is not a name gapdoctor understands". Now read as the flat dict, the reading said."""
    c = _keras_run_columns()
    train, val = {"loss": c["loss"], "acc": c["accuracy"]}, {"loss": c["val_loss"], "acc": c["val_accuracy"]}
    nested = {"train": train, "val": val}
    flat = gapdoctor.diagnose(history=c)
    read = gapdoctor.diagnose(history=nested)
    assert [(f.cause, f.score, f.check) for f in read.findings] == [(f.cause, f.score, f.check) for f in flat.findings]
    assert read.curves == flat.curves
    assert any("one object per split or per metric read as its series: train, val" in n for n in read.notes)
    assert not any("object per split" in n for n in flat.notes)


def test_a_split_s_name_alone_over_arrays_reads_as_the_loss_in_memory() -> None:
    c = _keras_run_columns()
    read = gapdoctor.diagnose(history={"train": np.array(c["loss"]), "val": np.array(c["val_loss"])})
    twin = gapdoctor.diagnose(history={"train_loss": c["loss"], "val_loss": c["val_loss"]})
    assert [(f.cause, f.score) for f in read.findings] == [(f.cause, f.score) for f in twin.findings]
    assert any("read as the loss (the training values fall)" in n for n in read.notes), read.notes


def test_pandas_to_dict_of_a_history_reads_in_row_order() -> None:
    pd = pytest.importorskip("pandas")
    c = _keras_run_columns()
    read = gapdoctor.diagnose(history=pd.DataFrame(c).to_dict())  # {"loss": {0: ..., 1: ...}, ...}
    assert read.curves == gapdoctor.diagnose(history=c).curves
