"""A diagnosis with one finding of every kind of figure the HTML report draws, from real fits.

Each finding carries the typed payload of its cause (``causes/<cause>/result.py``), so its
figures are the ones its cause folder's maker draws. The label-noise and pseudo-label findings
come from the real checks (``gapdoctor.diagnose`` on digits with noise injected into one label
source); the others are payload objects filled from real scikit-learn fits and a real
training run. Hostile strings sit in every user-controlled place: class, feature and source
names, an evidence key, the history's file name.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
from scipy.stats import ks_2samp
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, confusion_matrix, f1_score, roc_auc_score
from sklearn.model_selection import cross_val_predict
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.bench.training import train_by_epoch
from gapdoctor.causes.distribution_shift.result import CovariateShift
from gapdoctor.causes.label_noise.result import ConfidentLearningNoise
from gapdoctor.causes.metric_mismatch.result import DecisionRuleGain
from gapdoctor.causes.optimization.result import Stall
from gapdoctor.causes.pipeline_bug.result import LabelEncoding
from gapdoctor.causes.pseudo_label_noise.result import NoiseBySource
from gapdoctor.causes.small_validation_set.result import SamplingNoise
from gapdoctor.causes.subgroup_failure.result import GroupRate, LaggingSubgroups
from gapdoctor.findings import CheckRun, Diagnosis, Finding
from gapdoctor.ranking import rank
from gapdoctor.stats.accumulators import binomial_interval
from gapdoctor.stats.splits import FeaturePlot
from tests.report.html_scenarios import HOSTILE, HOSTILE_ATTR, MATH

Z_95 = 1.96  # two-sided 95%
Z_80_POWER = 0.84  # one-sided 80% power: with Z_95, the smallest change a set detects


def _bootstrap(statistic: Callable[[np.ndarray[Any, Any]], float], n: int, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of ``statistic(rows)`` over 200 resamples of ``n`` rows."""
    rng = np.random.default_rng(seed)
    values = [statistic(rng.integers(0, n, n)) for _ in range(200)]
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def _label_noise() -> list[Finding]:
    """The real label-noise and pseudo-label checks on digits: 40% of the pseudo-labelled half flipped."""
    rng = np.random.default_rng(0)
    X_all, y_all = load_digits(return_X_y=True)
    X, y = X_all[:600] / 16.0, y_all[:600]
    X_holdout, y_holdout = X_all[600:] / 16.0, y_all[600:]
    pseudo = np.arange(600) >= 300
    noisy = y.copy()
    flipped = rng.choice(np.flatnonzero(pseudo), size=120, replace=False)
    noisy[flipped] = (y[flipped] + rng.integers(1, 10, size=120)) % 10
    probs = cross_val_predict(LogisticRegression(max_iter=300), X, noisy, cv=3, method="predict_proba")
    names = [HOSTILE if c == 3 else str(c) for c in range(10)]
    columns = [names.index(name) for name in sorted(names)]  # the probabilities' columns in sorted class order
    sources = np.where(pseudo, f"pseudo {HOSTILE}", "human")
    given = np.array(names, dtype=object)[noisy]
    found = gapdoctor.diagnose(y_train=given, train_probs=probs[:, columns], sources_train=sources).findings
    noise = next(f for f in found if isinstance(f.result, ConfidentLearningNoise))
    by_source = next(f for f in found if isinstance(f.result, NoiseBySource))
    # the confirming experiment: drop the flagged rows, re-train, score on held-out rows
    before = LogisticRegression(max_iter=300).fit(X, noisy).score(X_holdout, y_holdout)
    kept = np.setdiff1d(np.arange(len(y)), noise.rows or ())
    after_model = LogisticRegression(max_iter=300).fit(X[kept], noisy[kept])
    right = int((after_model.predict(X_holdout) == y_holdout).sum())
    experiment = {
        "intervention": f"drop the {len(noise.rows or ())} flagged rows and re-train",
        "before": round(float(before), 4),
        "after": round(right / len(y_holdout), 4),
        "interval": list(binomial_interval(right, len(y_holdout))),
        "verdict": "confirmed" if right / len(y_holdout) > before else "refuted",
    }
    summary = f"{noise.summary} Class {HOSTILE} is among the labels."
    noise = replace(noise, summary=summary, experiment=experiment, evidence={**noise.evidence, HOSTILE: HOSTILE_ATTR})
    return [noise, by_source]


def metric_mismatch() -> Finding:
    """F1 of a strongly regularised logistic regression on breast cancer, at every threshold."""
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    p = cross_val_predict(LogisticRegression(C=0.01, max_iter=300), X, y, cv=3, method="predict_proba")[:, 1]
    thresholds = np.linspace(0.05, 0.95, 37)

    def f1_at(t: float, rows: np.ndarray[Any, Any] | slice = slice(None)) -> float:
        return float(f1_score(y[rows], p[rows] >= t))

    values = [f1_at(t) for t in thresholds]
    best = float(thresholds[int(np.argmax(values))])
    halves = np.arange(len(y)) % 2 == 0  # the rule chosen on one half, scored on the other
    chosen = [float(thresholds[int(np.argmax([f1_at(t, ~h) for t in thresholds]))]) for h in (halves, ~halves)]
    cross_validated = float(np.mean([f1_at(t, h) for t, h in zip(chosen, (halves, ~halves), strict=True)]))
    default = f1_at(0.5)
    bins = np.clip((p * 10).astype(int), 0, 9)
    used = [b for b in range(10) if (bins == b).any()]
    confidence = [float(p[bins == b].mean()) for b in used]
    accuracy = [float(y[bins == b].mean()) for b in used]
    count = [int((bins == b).sum()) for b in used]
    default_low, default_high = _bootstrap(lambda r: f1_at(0.5, r), len(y))
    best_low, best_high = _bootstrap(lambda r: f1_at(best, r), len(y))
    gain_low, gain_high = _bootstrap(lambda r: f1_at(best, r) - f1_at(0.5, r), len(y))
    result = DecisionRuleGain(
        metric="f1",
        decision_rule="threshold on P(class 1)",
        default_rule=0.5,
        best_rule=best,
        val_metric_default=default,
        val_metric_default_low=default_low,
        val_metric_default_high=default_high,
        val_metric_best_in_sample=max(values),
        val_metric_best_low=best_low,
        val_metric_best_high=best_high,
        val_metric_cross_validated=cross_validated,
        cross_validated_gain=cross_validated - default,
        cross_validated_gain_low=gain_low,
        cross_validated_gain_high=gain_high,
        minority_class_share_train=float(min(y.mean(), 1 - y.mean())),
        roc_auc=float(roc_auc_score(y, p)),
        average_precision=float(average_precision_score(y, p)),
        expected_calibration_error=float(
            sum(n * abs(a - c) for n, a, c in zip(count, accuracy, confidence, strict=True)) / len(y)
        ),
        n_val=len(y),
        threshold_curve={
            "thresholds": thresholds.tolist(),
            "values": values,
            "metric": "f1",
            "default_threshold": 0.5,
            "best_threshold": best,
        },
        reliability={"confidence": confidence, "accuracy": accuracy, "count": count},
    )
    summary = "Tuning the decision threshold gains F1 the loss never asked for."
    return Finding("metric_mismatch", 0.66, summary, check=result.CHECK, result=result)


def _small_validation_and_subgroups(classes: list[str]) -> tuple[list[Finding], dict[str, list[float]]]:
    """A real run scored on 120 validation rows: the metric inside its noise band, the classes behind."""
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    order = np.random.default_rng(0).permutation(len(y))
    train, val = order[:500], order[500:620]
    run = train_by_epoch(X[train], y[train], X[val], y[val], epochs=20, hidden=(32,), seed=0)
    yv = y[val]
    accuracy = [float(a) for a in run.history["val_accuracy"]]
    band = [binomial_interval(round(a * len(yv)), len(yv)) for a in accuracy]
    sd = math.sqrt(accuracy[-1] * (1 - accuracy[-1]) / len(yv))
    sampling = SamplingNoise(
        metric="accuracy",
        n_val=len(yv),
        val_metric=accuracy[-1],
        val_metric_low=band[-1][0],
        val_metric_high=band[-1][1],
        interval_method="exact binomial (Clopper-Pearson)",
        metric_from="history",
        sampling_sd=sd,
        smallest_detectable_change=(Z_95 + Z_80_POWER) * math.sqrt(2) * sd,
        metric_band={
            "epochs": list(range(1, 21)),
            "values": list(accuracy),
            "low": [b[0] for b in band],
            "high": [b[1] for b in band],
            "metric": "accuracy",
        },
    )
    predicted = run.val_probs.argmax(1)
    groups: list[GroupRate] = []
    for c in range(10):
        rows = yv == c
        right = int((predicted[rows] == c).sum())
        low, high = binomial_interval(right, int(rows.sum()))
        value = right / int(rows.sum())
        groups.append(
            {
                "group": classes[c],
                "kind": "class",
                "n": int(rows.sum()),
                "value": value,
                "low": low,
                "high": high,
                "metric": "recall",
            }
        )
    worst = min(groups, key=lambda g: g["value"])
    others = float(np.median([g["value"] for g in groups if g is not worst]))
    matrix = confusion_matrix(yv, predicted, labels=range(10))
    off = matrix - np.diag(np.diag(matrix))
    a, b = np.unravel_index(int(np.argmax(off)), off.shape)
    lagging = LaggingSubgroups(
        lagging=worst["group"],
        worst=worst["group"],
        worst_kind="class",
        worst_value=worst["value"],
        worst_low=worst["low"],
        worst_high=worst["high"],
        worst_n=worst["n"],
        others_median=others,
        gap=others - worst["value"],
        confusion_pairs={"confusion_pair_1": f"{classes[a]} read as {classes[b]}: {int(off[a, b])} rows"},
        groups=groups,
        confusion={"classes": classes, "counts": matrix.tolist()},
    )
    findings = [
        Finding(
            "small_validation_set",
            0.58,
            "120 validation rows: the interval is wider than any change after epoch 5.",
            check=sampling.CHECK,
            result=sampling,
        ),
        Finding(
            "subgroup_failure",
            0.55,
            f"Class {worst['group']} is recognised far less often than the others.",
            check=lagging.CHECK,
            result=lagging,
        ),
    ]
    return findings, {k: list(map(float, v)) for k, v in run.history.items()}


def _covariate_shift() -> Finding:
    """Wine split by alcohol: validation = the high-alcohol rows; a real domain classifier."""
    wine = load_wine()
    names = list(wine.feature_names)
    names[0] = HOSTILE
    high_alcohol = wine.data[:, 0] > np.median(wine.data[:, 0])
    features: list[FeaturePlot] = []
    p_values: dict[str, float] = {}
    for j in range(wine.data.shape[1]):
        a, b = wine.data[~high_alcohol, j], wine.data[high_alcohol, j]
        edges = np.histogram_bin_edges(wine.data[:, j], bins=15)
        test = ks_2samp(a, b)
        p_values[names[j]] = float(test.pvalue)
        features.append(
            {
                "name": names[j],
                "bin_edges": edges.tolist(),
                "train": np.histogram(a, edges, density=True)[0].tolist(),
                "val": np.histogram(b, edges, density=True)[0].tolist(),
                "statistic": float(test.statistic),
                "label": "KS",
            }
        )
    features.sort(key=lambda f: -f["statistic"])
    shifted = [f for f in features if p_values[f["name"]] < 0.05 / len(features)]  # Bonferroni
    features[1]["name"] = MATH
    X = StandardScaler().fit_transform(wine.data)
    domain = cross_val_predict(LogisticRegression(max_iter=500), X, high_alcohol, cv=3, method="predict_proba")[:, 1]
    auc = float(roc_auc_score(high_alcohol, domain))
    rows = np.arange(len(high_alcohol))
    low, high = _bootstrap(lambda r: float(roc_auc_score(high_alcohol[r], domain[r])), len(rows))
    result = CovariateShift(
        domain_auc=auc,
        domain_auc_low=low,
        domain_auc_high=high,
        domain_rows=len(rows),
        features_tested=len(features),
        features_shifted=len(shifted),
        features_shifted_share=round(len(shifted) / len(features), 4),
        correction="Bonferroni",
        separating={},
        shifted={f"shifted_{i}": f"{f['name']}: KS {f['statistic']:.3g}" for i, f in enumerate(shifted[:5], 1)},
        features=features[:6],
    )
    summary = f"Validation rows differ from training rows, most in {HOSTILE}."
    return Finding("distribution_shift", 0.8, summary, check=result.CHECK, result=result)


def _label_encoding(classes: list[str]) -> Finding:
    result = LabelEncoding(
        split="y_val",
        val_accuracy_as_given=0.6,
        val_accuracy_best_mapping=0.9,
        gain_z=8.0,
        classes_remapped=2,
        mapping_text=f"val '{classes[0]}' = model '{classes[1]}'",
        mapping={"classes": classes[:4], "val_label_to_true": [classes[1], classes[0], *classes[2:4]]},
    )
    summary = "Validation labels are encoded in a different order."
    return Finding("pipeline_bug", 0.6, summary, check=result.CHECK, result=result)


def _stall(curves: dict[str, list[float]]) -> Finding:
    """The run's own training loss, read with a step learning-rate cut after epoch 8."""
    loss = curves["train_loss"]
    result = Stall(
        train_loss_start=loss[0],
        train_loss_final=loss[-1],
        train_loss_drop_pct=100 * (loss[0] - loss[-1]) / loss[0],
        late_drop_pct=100 * (loss[10] - loss[-1]) / loss[10],
        stall_epoch=11,
        lr_max=max(curves["lr"]),
        lr_final=curves["lr"][-1],
        lr_schedule="step",
        lr_cut_epoch=9,
        markers={"lr_cut_epoch": 9, "stall_epoch": 11, HOSTILE: 4},
    )
    summary = "Progress stalled after the learning-rate cut."
    return Finding("optimization", 0.52, summary, check=result.CHECK, result=result)


def every_figure_kind() -> Diagnosis:
    """Eight reported findings whose payloads ask for every figure the report draws."""
    classes = [HOSTILE if c == 3 else str(c) for c in range(10)]
    with threadpool_limits(limits=1):
        findings = _label_noise()
        findings.append(metric_mismatch())
        small, curves = _small_validation_and_subgroups(classes)
        findings.extend(small)
        findings.append(_covariate_shift())
        findings.append(_label_encoding(classes))
    curves["lr"] = [0.01] * 8 + [0.001] * 12
    findings.append(_stall(curves))
    checks = [
        CheckRun("label_noise.confident_learning", "label_noise", "ran", n_findings=1, seconds=0.2),
        CheckRun("leakage.duplicates", "preprocessing_leakage", "skipped", reason=f"no X_train given {HOSTILE}"),
        CheckRun("search_noise.trials", "search_noise", "errored", reason=f"ValueError('{HOSTILE_ATTR}')"),
    ]
    return Diagnosis(
        findings=rank(findings),
        checks=checks,
        inputs={"metric": "accuracy", "n_classes": 10, "history": {"epochs": 20, "source": f"/logs/{HOSTILE}.csv"}},
        notes=(f"Group ids were not given for {HOSTILE}.",),
        curves=curves,
    )
