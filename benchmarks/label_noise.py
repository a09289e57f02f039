"""gapdoctor's confident learning vs cleanlab's ``find_label_issues``, side by side.

Both tools get the same out-of-fold probabilities (5-fold logistic regression) for
digits, wine, breast cancer and a 20k-row ``make_classification`` task, with 10/20/40%
of the labels flipped, symmetric (to a uniformly drawn other class) and
class-conditional (class k to class k+1; for the binary breast-cancer task this is the
same flip process as symmetric, on other rows). Reported: precision, recall and F1 of
the flagged rows against the truly flipped rows, and wall time of each tool; then
throughput on 1M x 10 synthetic probabilities.

Run: ``python benchmarks/label_noise.py`` (needs the ``bench`` extra: cleanlab).
Threads are pinned to one (``threadpoolctl``); cleanlab runs with ``n_jobs=1`` and with its default
(one process per physical core). The markdown table is printed and written to
``benchmarks/RESULTS.md`` under ``## Label noise`` (other sections are kept).
"""

from __future__ import annotations

import datetime as dt
import platform
import subprocess
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sklearn.datasets import load_breast_cancer, load_digits, load_wine, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from gapdoctor.causes.label_noise.confident_learning import find_label_issues
from results_md import replace_section

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADING = "## Label noise"


def _datasets() -> dict[str, tuple[NDArray[np.float64], NDArray[np.int64]]]:
    X20, y20 = make_classification(
        n_samples=20_000, n_features=20, n_informative=10, n_classes=4, n_clusters_per_class=1, random_state=0
    )
    out: dict[str, tuple[NDArray[np.float64], NDArray[np.int64]]] = {"generated 20k": (X20, y20)}
    for name, loader in (("digits", load_digits), ("wine", load_wine), ("breast cancer", load_breast_cancer)):
        X, y = loader(return_X_y=True)
        out[name] = (np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64))
    return dict(sorted(out.items(), key=lambda kv: len(kv[1][1])))


def flip_labels(y: NDArray[np.int64], rate: float, kind: str, seed: int) -> NDArray[np.int64]:
    rng = np.random.default_rng(seed)
    k = int(y.max()) + 1
    rows = rng.choice(len(y), round(rate * len(y)), replace=False)
    noisy = y.copy()
    noisy[rows] = (y[rows] + (rng.integers(1, k, len(rows)) if kind == "symmetric" else 1)) % k
    return noisy


def _oof(X: NDArray[np.float64], y: NDArray[np.int64]) -> NDArray[np.float64]:
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
    return np.asarray(cross_val_predict(model, X, y, cv=5, method="predict_proba"))


def _prf(flagged: NDArray[np.bool_], truth: NDArray[np.bool_]) -> tuple[float, float, float]:
    tp = float((flagged & truth).sum())
    precision = tp / max(float(flagged.sum()), 1.0)
    recall = tp / max(float(truth.sum()), 1.0)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-12)


def _timed(fn: Callable[[], NDArray[np.bool_]], repeat: int = 3) -> tuple[NDArray[np.bool_], float]:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return out, best


def ours(y: NDArray[np.int64], probs: NDArray[np.float64]) -> NDArray[np.bool_]:
    mask = np.zeros(len(y), dtype=bool)
    mask[find_label_issues(y, probs).rows] = True
    return mask


def theirs(y: NDArray[np.int64], probs: NDArray[np.float64], n_jobs: int | None = 1) -> NDArray[np.bool_]:
    from cleanlab.filter import find_label_issues as cleanlab_find_label_issues

    return np.asarray(cleanlab_find_label_issues(y, probs, n_jobs=n_jobs), dtype=bool)


def accuracy_table() -> tuple[list[str], int, int]:
    lines = [
        "| data | rows | noise | rate | gapdoctor P / R / F1 | cleanlab P / R / F1 | F1 ≥ cleanlab | "
        "gapdoctor ms | cleanlab ms | estimated rate (95% CI) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    wins = cases = 0
    for name, (X, y) in _datasets().items():
        for kind in ("symmetric", "class-conditional"):
            for rate in (0.1, 0.2, 0.4):
                noisy = flip_labels(y, rate, kind, seed=0)
                with threadpool_limits(1), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    probs = _oof(X, noisy)
                truth = noisy != y
                mask_ours, t_ours = _timed(lambda y=noisy, p=probs: ours(y, p))
                mask_theirs, t_theirs = _timed(lambda y=noisy, p=probs: theirs(y, p))
                p1, r1, f1 = _prf(mask_ours, truth)
                p2, r2, f2 = _prf(mask_theirs, truth)
                issues = find_label_issues(noisy, probs)
                low, high = issues.noise_rate_interval()
                ok = f1 >= f2 - 1e-12
                wins += ok
                cases += 1
                lines.append(
                    f"| {name} | {len(y)} | {kind} | {rate:.0%} | {p1:.3f} / {r1:.3f} / {f1:.3f} | "
                    f"{p2:.3f} / {r2:.3f} / {f2:.3f} | {'yes' if ok else 'NO'} | {1000 * t_ours:.1f} | "
                    f"{1000 * t_theirs:.1f} | {issues.noise_rate:.1%} ({low:.1%}–{high:.1%}) |"
                )
                print(lines[-1], flush=True)
    return lines, wins, cases


def throughput_table(n: int = 1_000_000, k: int = 10) -> list[str]:
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), y_true] += 3.0
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    y = flip_labels(y_true, 0.2, "symmetric", seed=1)
    truth = y != y_true
    lines = [
        "| tool | rows × classes | seconds (best of 3) | rows / s | F1 |",
        "|---|---|---|---|---|",
    ]
    runs: list[tuple[str, Callable[[], NDArray[np.bool_]]]] = [
        ("gapdoctor", lambda: ours(y, probs)),
        ("cleanlab (n_jobs=1)", lambda: theirs(y, probs, 1)),
        ("cleanlab (default n_jobs)", lambda: theirs(y, probs, None)),
    ]
    for label, fn in runs:
        with threadpool_limits(1):
            mask, seconds = _timed(fn)
        lines.append(f"| {label} | {n:,} × {k} | {seconds:.2f} | {n / seconds:,.0f} | {_prf(mask, truth)[2]:.3f} |")
        print(lines[-1], flush=True)
    return lines


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True, cwd=RESULTS.parent
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    import cleanlab

    print("accuracy on the same out-of-fold probabilities", flush=True)
    accuracy, wins, cases = accuracy_table()
    print("throughput", flush=True)
    throughput = throughput_table()
    header = (
        f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC at commit {_commit()}, "
        f"`python benchmarks/label_noise.py`; Python {platform.python_version()}, numpy {np.__version__}, "
        f"cleanlab {cleanlab.__version__}, one thread.\n\n"
        "Same out-of-fold probabilities (5-fold standardised logistic regression) for both tools; "
        "P / R / F1 of the flagged rows against the truly flipped rows; cleanlab is "
        "`cleanlab.filter.find_label_issues(labels, pred_probs, n_jobs=1)` (its default "
        "`filter_by='prune_by_noise_rate'`). Class-conditional noise flips class k to k+1 "
        "(for the binary breast-cancer task the same process as symmetric, on other rows). "
        "Times are the best of 3.\n\n"
        f"F1 at least cleanlab's in {wins} of {cases} cases.\n"
    )
    body = header + "\n" + "\n".join(accuracy) + "\n\nThroughput, 20% symmetric noise:\n\n" + "\n".join(throughput)
    replace_section(HEADING, f"{HEADING}\n\n{body.strip()}\n")
    print(f"\nF1 >= cleanlab in {wins}/{cases} cases; written to {RESULTS}")


if __name__ == "__main__":
    main()
