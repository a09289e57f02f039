"""The runner: parallel runs, ranking by verdict, notes, the terminal line."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from gapdoctor.experiments import ExperimentSettings, prepare_lab, run_experiments
from gapdoctor.findings import Diagnosis, Finding
from gapdoctor.inputs.evidence import build_evidence
from gapdoctor.ranking import rank
from gapdoctor.report.terminal import experiment_line
from tests.experiments.experiment_helpers import flip_labels, leak_finding, logistic


def _noisy_digits() -> tuple[dict[str, np.ndarray], np.ndarray]:
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=600, stratify=y, random_state=0)
    y_noisy, flipped = flip_labels(y_train, 0.3, 10, seed=0)
    return {"X_train": X_train, "y_train": y_noisy, "X_val": X_val, "y_val": y_val}, flipped


def test_parallel_gives_the_sequential_results_and_confirmed_ranks_first() -> None:
    data, flipped = _noisy_digits()
    findings = [
        leak_finding("x20"),
        Finding("label_noise", 0.8, "noise", rows=tuple(flipped)),
    ]
    results = []
    for n_jobs in (1, 2):
        settings = ExperimentSettings(cache_dir=None, progress=False, n_bootstrap=100, n_jobs=n_jobs)
        lab = prepare_lab(build_evidence(model=logistic(), **data), settings)
        diagnosis = run_experiments(Diagnosis(findings=rank(findings), checks=[]), lab)
        results.append([(f.cause, f.experiment and f.experiment["verdict"]) for f in diagnosis.findings])
    assert results[0] == results[1]
    # label noise scored lower but its experiment confirmed it: it now ranks first
    assert results[0][0] == ("label_noise", "confirmed")
    assert results[0][1][1] != "confirmed"


def test_rank_confirmed_first_refuted_last_weak_stays_weak() -> None:
    def exp(verdict: str) -> dict[str, object]:
        return {"intervention": "x", "before": 0.5, "after": 0.6, "interval": [0.55, 0.65], "verdict": verdict}

    refuted = Finding("overfitting", 0.95, "a", experiment=exp("refuted"))
    untested = Finding("optimization", 0.7, "b")
    confirmed = Finding("label_noise", 0.6, "c", experiment=exp("confirmed"))
    weak_confirmed = Finding("metric_saturation", 0.3, "d", experiment=exp("confirmed"))
    ordered = rank([refuted, untested, confirmed, weak_confirmed])
    assert [f.cause for f in ordered] == ["label_noise", "optimization", "overfitting", "metric_saturation"]


def test_skipped_experiments_are_explained_in_notes() -> None:
    data, _ = _noisy_digits()
    lab = prepare_lab(build_evidence(model=logistic(), **data), ExperimentSettings(cache_dir=None, progress=False))
    findings = [
        Finding("label_noise", 0.9, "no rows given"),
        Finding("preprocessing_leakage", 0.8, "names nothing"),
        Finding("optimization", 0.7, "no intervention for this cause"),
    ]
    diagnosis = run_experiments(Diagnosis(findings=findings, checks=[]), lab)
    assert all(f.experiment is None for f in diagnosis.findings)
    assert any("label_noise: skipped (the finding flags no training rows" in n for n in diagnosis.notes)
    assert any("preprocessing_leakage: skipped (the finding names no feature" in n for n in diagnosis.notes)


def test_experiment_line_reads_before_after_interval_verdict() -> None:
    line = experiment_line(
        {
            "intervention": "drop the flagged rows (180 of 600 training rows)",
            "before": 0.8074,
            "after": 0.9448,
            "interval": [0.9212, 0.9679],
            "verdict": "confirmed",
            "metric": "accuracy",
            "cached": True,
        }
    )
    assert line == (
        "drop the flagged rows (180 of 600 training rows) — accuracy 0.807 -> 0.945 "
        "(95% interval 0.921 to 0.968): CONFIRMED, cached"
    )


def test_progress_bar_and_time_budget(capsys: object) -> None:
    data, flipped = _noisy_digits()
    findings = [Finding("label_noise", 0.8, "noise", rows=tuple(flipped))]
    shown = ExperimentSettings(cache_dir=None, progress=True, n_bootstrap=100)
    lab = prepare_lab(build_evidence(model=logistic(), **data), shown)
    diagnosis = run_experiments(Diagnosis(findings=findings, checks=[]), lab)
    assert diagnosis.findings[0].experiment is not None
    # a budget far below one fit's measured cost: the experiment is not started
    tight = ExperimentSettings(cache_dir=None, progress=False, max_seconds=1e-9)
    lab = prepare_lab(build_evidence(model=logistic(), **data), tight)
    diagnosis = run_experiments(Diagnosis(findings=findings, checks=[]), lab)
    assert diagnosis.findings[0].experiment is None
    assert any("label_noise: skipped (over the time budget)" in note for note in diagnosis.notes)


def test_cache_key_follows_data_model_and_finding(tmp_path: object) -> None:
    from gapdoctor.experiments import ExperimentCache, Lab, Trainer

    data, flipped = _noisy_digits()
    settings = ExperimentSettings(cache_dir=None)

    def key(model: object, y_train: np.ndarray, rows: list[int]) -> str:
        evidence = build_evidence(model=model, **{**data, "y_train": y_train})
        lab = Lab(evidence=evidence, trainer=Trainer(model, 10), settings=settings)
        return ExperimentCache(str(tmp_path)).key(lab, {"cause": "label_noise", "rows": rows})

    rows = flipped.tolist()
    base = key(logistic(), data["y_train"], rows)
    assert key(logistic(), data["y_train"], rows) == base  # stable across instances
    assert key(logistic().set_params(logisticregression__C=0.5), data["y_train"], rows) != base
    assert key(logistic(), np.roll(data["y_train"], 1), rows) != base
    assert key(logistic(), data["y_train"], rows[1:]) != base


def test_a_measured_gain_is_stated_where_the_check_stated_none_and_a_checks_own_is_kept(tmp_path: Any) -> None:
    data, flipped = _noisy_digits()
    own = {"metric": "accuracy", "now": 0.5, "after_fix": 0.6, "interval": (0.55, 0.65)}
    findings = [Finding("label_noise", 0.8, "noise", rows=tuple(flipped))]
    for cache_dir in (tmp_path, tmp_path, None):  # computed, then read back from the cache
        settings = ExperimentSettings(cache_dir=cache_dir, progress=False, n_bootstrap=100)
        lab = prepare_lab(build_evidence(model=logistic(), **data), settings)
        (measured,) = run_experiments(Diagnosis(findings=findings, checks=[]), lab).findings
        experiment = measured.experiment
        assert experiment is not None and experiment["verdict"] == "confirmed"
        assert measured.gain is not None
        assert (measured.gain["now"], measured.gain["after_fix"]) == (experiment["before"], experiment["after"])
        assert measured.gain["interval"] == tuple(experiment["interval"])
    stated = [replace(findings[0], gain=own)]
    lab = prepare_lab(build_evidence(model=logistic(), **data), ExperimentSettings(cache_dir=None, progress=False))
    (kept,) = run_experiments(Diagnosis(findings=stated, checks=[]), lab).findings
    assert kept.experiment is not None and kept.gain == own
