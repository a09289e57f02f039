"""Distribution-shift and duplicate checks: gapdoctor vs deepchecks vs evidently.

The same generated train/validation splits go to every tool:

- false alarms: healthy random splits (both splits from one distribution), at the
  power-run size and at 300 rows per split;
- power: a mean shift of one feature (0.2 and 0.5 sd), a variance change of one
  feature, a correlation change that leaves every marginal intact, a selection bias
  (validation rows sampled by a latent score), a categorical frequency change, and
  10% of validation rows copied from training (exact, and with 1e-3 sd noise);
- wall time of a full run at 100k rows x 20 features per split.

Detection means: gapdoctor reports the cause (``distribution_shift`` for the shift
scenarios, ``preprocessing_leakage`` from the duplicates check for the copies; score
>= 0.5); deepchecks fails a default condition of FeatureDrift / MultivariateDrift (shift)
or TrainTestSamplesMix (copies), as configured in its ``train_test_validation`` suite;
evidently's DataDriftPreset finds a drifted column (per-column) or dataset drift
(share of drifted columns >= 0.5). Evidently has no cross-split duplicate check.

The peers pin old numpy / pandas / scikit-learn, so they live in their own venv and
are not a gapdoctor extra::

    python3 -m venv /work/venvs/bench-shift
    /work/venvs/bench-shift/bin/pip install deepchecks==0.19.1 evidently==0.7.23 rich \\
        "numpy<2" "pandas<2.3" "scikit-learn<1.6" "category-encoders<2.7"
    OMP_NUM_THREADS=1 PYTHONPATH=src /work/venvs/bench-shift/bin/python benchmarks/shift.py

Options: ``--seeds N`` (repetitions per scenario, default 8), ``--rows N`` (rows per
split in the power runs, default 2000), ``--no-timing``, ``--out FILE`` (markdown).
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import gapdoctor
from gapdoctor.causes.registry import get_check
from gapdoctor.engine import run_checks
from gapdoctor.inputs.evidence import build_evidence

warnings.filterwarnings("ignore")
N_FEATURES = 10
Split = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _base(rng: np.random.Generator, n: int, n_features: int = N_FEATURES) -> tuple[np.ndarray, np.ndarray]:
    """Correlated Gaussian features, one categorical column (last), a label from a linear score."""
    mix = rng.normal(size=(n_features, n_features)) / np.sqrt(n_features)
    mix[np.diag_indices(n_features)] += 1.0
    X = rng.normal(size=(n, n_features)) @ mix
    X[:, -1] = rng.choice(4, size=n, p=[0.4, 0.3, 0.2, 0.1])
    y = (X[:, :3].sum(axis=1) + rng.normal(size=n) > 0).astype(int)
    return X, y


def _random_split(rng: np.random.Generator, n: int) -> Split:
    X, y = _base(rng, 2 * n)
    return X[:n], X[n:], y[:n], y[n:]


def healthy(rng: np.random.Generator, n: int) -> Split:
    return _random_split(rng, n)


def mean_shift(size: float) -> Callable[[np.random.Generator, int], Split]:
    def make(rng: np.random.Generator, n: int) -> Split:
        Xt, Xv, yt, yv = _random_split(rng, n)
        Xv = Xv.copy()
        Xv[:, 4] += size * Xt[:, 4].std()
        return Xt, Xv, yt, yv

    return make


def variance_change(rng: np.random.Generator, n: int) -> Split:
    Xt, Xv, yt, yv = _random_split(rng, n)
    Xv = Xv.copy()
    Xv[:, 5] = Xv[:, 5].mean() + 1.5 * (Xv[:, 5] - Xv[:, 5].mean())
    return Xt, Xv, yt, yv


def correlation_change(rng: np.random.Generator, n: int) -> Split:
    """Features 6 and 7 independent in training, strongly correlated in validation (same marginals)."""
    Xt, Xv, yt, yv = _random_split(rng, n)
    Xt, Xv = Xt.copy(), Xv.copy()
    for X, rho in ((Xt, 0.0), (Xv, 0.9)):
        a, b = rng.normal(size=n), rng.normal(size=n)
        X[:, 6], X[:, 7] = a, rho * a + np.sqrt(1 - rho**2) * b
    return Xt, Xv, yt, yv


def selection_bias(rng: np.random.Generator, n: int) -> Split:
    X, y = _base(rng, 4 * n)
    score = X[:, :4].sum(axis=1)
    p = 1 / (1 + np.exp(-0.5 * score / score.std()))
    in_val = rng.random(len(X)) < p * 0.5
    Xv, yv = X[in_val][:n], y[in_val][:n]
    Xt, yt = X[~in_val][:n], y[~in_val][:n]
    return Xt, Xv, yt, yv


def categorical_change(rng: np.random.Generator, n: int) -> Split:
    Xt, Xv, yt, yv = _random_split(rng, n)
    Xv = Xv.copy()
    Xv[:, -1] = rng.choice(4, size=n, p=[0.25, 0.25, 0.25, 0.25])
    return Xt, Xv, yt, yv


def copies(noise: float) -> Callable[[np.random.Generator, int], Split]:
    def make(rng: np.random.Generator, n: int) -> Split:
        Xt, Xv, yt, yv = _random_split(rng, n)
        Xv, yv = Xv.copy(), yv.copy()
        k = n // 10
        rows = rng.choice(n, k, replace=False)
        Xv[:k] = Xt[rows]
        Xv[:k, :-1] += noise * rng.normal(size=(k, N_FEATURES - 1)) * Xt[:, :-1].std(axis=0)
        yv[:k] = yt[rows]
        return Xt, Xv, yt, yv

    return make


def healthy_small(rng: np.random.Generator, n: int) -> Split:
    return _random_split(rng, 300)


SCENARIOS: list[tuple[str, str, Callable[[np.random.Generator, int], Split]]] = [
    ("healthy random split", "none", healthy),
    ("healthy random split, 300 rows per split", "none", healthy_small),
    ("mean shift 0.2 sd, 1 feature", "shift", mean_shift(0.2)),
    ("mean shift 0.5 sd, 1 feature", "shift", mean_shift(0.5)),
    ("variance x1.5, 1 feature", "shift", variance_change),
    ("correlation 0 -> 0.9, marginals kept", "shift", correlation_change),
    ("selection bias on a latent score", "shift", selection_bias),
    ("categorical frequencies changed", "shift", categorical_change),
    ("10% validation rows copied (exact)", "copies", copies(0.0)),
    ("10% validation rows copied (1e-3 sd noise)", "copies", copies(1e-3)),
]

_SHIFT_CHECKS = ("distribution_shift.covariate", "distribution_shift.label_shift")
_COPY_CHECKS = ("preprocessing_leakage.duplicates",)


def gapdoctor_detects(split: Split, kind: str) -> dict[str, bool]:
    Xt, Xv, yt, yv = split
    evidence = build_evidence(X_train=Xt, y_train=yt, X_val=Xv, y_val=yv)
    names = _COPY_CHECKS if kind == "copies" else _SHIFT_CHECKS
    diagnosis = run_checks(evidence, [get_check(n) for n in names])
    return {"gapdoctor": any(not f.weak for f in diagnosis.findings)}


def _frames(split: Split) -> tuple[Any, Any]:
    import pandas as pd

    Xt, Xv, yt, yv = split
    columns = [f"f{i}" for i in range(Xt.shape[1])]
    train = pd.DataFrame(Xt, columns=columns).assign(label=yt)
    val = pd.DataFrame(Xv, columns=columns).assign(label=yv)
    train[columns[-1]] = train[columns[-1]].astype(int).astype(str)
    val[columns[-1]] = val[columns[-1]].astype(int).astype(str)
    return train, val


def deepchecks_detects(split: Split, kind: str) -> dict[str, bool]:
    from deepchecks.tabular import Dataset
    from deepchecks.tabular.suites import train_test_validation

    train, val = _frames(split)
    cat = [train.columns[-2]]
    dt, dv = Dataset(train, label="label", cat_features=cat), Dataset(val, label="label", cat_features=cat)
    wanted = ("TrainTestSamplesMix",) if kind == "copies" else ("FeatureDrift", "MultivariateDrift")
    checks = [c for c in train_test_validation().checks.values() if type(c).__name__ in wanted]
    return {"deepchecks": any(not c.run(dt, dv).passed_conditions() for c in checks)}


def evidently_detects(split: Split, kind: str) -> dict[str, bool]:
    if kind == "copies":
        return {}
    from evidently.legacy.metric_preset import DataDriftPreset
    from evidently.legacy.report import Report

    train, val = _frames(split)
    report = Report(metrics=[DataDriftPreset()])
    report.run(reference_data=train.drop(columns="label"), current_data=val.drop(columns="label"))
    table = next(m["result"] for m in report.as_dict()["metrics"] if "drift_by_columns" in m["result"])
    any_column = any(c["drift_detected"] for c in table["drift_by_columns"].values())
    dataset = bool(report.as_dict()["metrics"][0]["result"]["dataset_drift"])
    return {"evidently (any column)": any_column, "evidently (dataset)": dataset}


TOOLS = (gapdoctor_detects, deepchecks_detects, evidently_detects)


def detection_table(seeds: int, rows: int) -> tuple[list[str], list[list[str]]]:
    columns = ["gapdoctor", "deepchecks", "evidently (any column)", "evidently (dataset)"]
    lines = []
    for name, kind, make in SCENARIOS:
        hits: dict[str, int] = {}
        for seed in range(seeds):
            split = make(np.random.default_rng(seed), rows)
            for tool in TOOLS:
                for label, detected in tool(split, kind).items():
                    hits[label] = hits.get(label, 0) + int(detected)
        rate = "false alarms" if kind == "none" else "detected"
        cells = [f"{hits[c]}/{seeds}" if c in hits else "n/a" for c in columns]
        lines.append([name, rate, *cells])
        print(name, cells, flush=True)
    return columns, lines


def timing(n: int, n_features: int) -> list[list[str]]:
    rng = np.random.default_rng(0)
    X, y = _base(rng, 2 * n, n_features)
    split = (X[:n], X[n:], y[:n], y[n:])
    out = []

    started = time.perf_counter()
    diagnosis = gapdoctor.diagnose(X_train=split[0], y_train=split[2], X_val=split[1], y_val=split[3])
    ours = time.perf_counter() - started
    alarms = ", ".join(f.check for f in diagnosis.reported) or "none"
    out.append(["gapdoctor.diagnose (all checks that take X/y)", f"{ours:.1f}", alarms])

    from deepchecks.tabular import Dataset
    from deepchecks.tabular.suites import train_test_validation

    train, val = _frames(split)
    cat = [train.columns[-2]]
    dt, dv = Dataset(train, label="label", cat_features=cat), Dataset(val, label="label", cat_features=cat)
    started = time.perf_counter()
    result = train_test_validation().run(train_dataset=dt, test_dataset=dv)
    theirs = time.perf_counter() - started
    failed = ", ".join(type(r.check).__name__ for r in result.get_not_passed_checks()) or "none"
    out.append(["deepchecks train_test_validation suite", f"{theirs:.1f}", failed])

    from evidently.legacy.metric_preset import DataDriftPreset
    from evidently.legacy.report import Report

    started = time.perf_counter()
    report = Report(metrics=[DataDriftPreset()])
    report.run(reference_data=train.drop(columns="label"), current_data=val.drop(columns="label"))
    seconds = time.perf_counter() - started
    table = next(m["result"] for m in report.as_dict()["metrics"] if "drift_by_columns" in m["result"])
    drifted = ", ".join(k for k, c in table["drift_by_columns"].items() if c["drift_detected"]) or "none"
    out.append(["evidently DataDriftPreset", f"{seconds:.1f}", drifted])
    out.append(["gapdoctor speed-up vs the deepchecks suite", f"{theirs / ours:.0f}x", ""])
    return out


def _markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument("--out", default="")
    args = parser.parse_args()

    columns, rows = detection_table(args.seeds, args.rows)
    import deepchecks
    import evidently

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    parts = [
        "## Distribution shift",
        "",
        f"Run {datetime.date.today().isoformat()} at commit `{commit}`, "
        f"`benchmarks/shift.py --seeds {args.seeds} --rows {args.rows}`; deepchecks {deepchecks.__version__}, "
        f"evidently {evidently.__version__}; one thread (OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '?')}).",
        "",
        f"Detection on generated splits ({args.rows} rows per split, {N_FEATURES} features incl. one "
        f"categorical; {args.seeds} seeds per scenario):",
        "",
        _markdown(["scenario", "count", *columns], rows),
    ]
    if not args.no_timing:
        parts += ["", "Wall time on a healthy split of 100,000 rows x 20 features per split:", ""]
        parts.append(_markdown(["run", "seconds", "alarms raised (healthy data)"], timing(100_000, 20)))
    text = "\n".join(parts) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
