"""Real runs and diagnoses for the HTML report tests.

The demo, an overfitting run on breast cancer, a healthy run on digits, a torch loop with
a step learning-rate schedule (its CSV log under a hostile file name), and a diagnosis
carrying every ``Finding.data`` key of DATA_SCHEMA computed from real scikit-learn fits
(the checks that produce those keys live on other branches), with hostile strings in
every user-controlled place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.stats import ks_2samp
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import cross_val_predict, train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.bench.training import train_by_epoch
from gapdoctor.causes.distribution_shift.result import CovariateShift
from gapdoctor.causes.pipeline_bug.result import LabelEncoding
from gapdoctor.findings import CheckRun, Diagnosis, Finding, rank
from gapdoctor.stats.accumulators import binomial_interval

HOSTILE = "<script>alert(1)</script>"
HOSTILE_ATTR = '"><img src=x onerror=alert(2)>'
MATH = r"cost $x^2$ \\ \$ (USD)"


# --------------------------------------------------------------------------- scenarios
def scaled_split(X: Any, y: Any, train_size: int, seed: int = 0) -> tuple[Any, Any, Any, Any]:
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=train_size, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_val), y_train, y_val


def overfitting_run(seed: int = 0) -> Diagnosis:
    X_train, X_val, y_train, y_val = scaled_split(*load_breast_cancer(return_X_y=True), train_size=200, seed=seed)
    with threadpool_limits(limits=1):
        run = train_by_epoch(X_train, y_train, X_val, y_val, epochs=80, hidden=(256,), lr=3e-3, seed=seed)
    return gapdoctor.diagnose(
        history=run.history, X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val, val_probs=run.val_probs
    )


def healthy_run(seed: int = 0) -> Diagnosis:
    X_train, X_val, y_train, y_val = scaled_split(*load_digits(return_X_y=True), train_size=1000, seed=seed)
    with threadpool_limits(limits=1):
        run = train_by_epoch(X_train, y_train, X_val, y_val, epochs=15, hidden=(64,), alpha=1e-2, seed=seed)
    return gapdoctor.diagnose(
        history=run.history, X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val, val_probs=run.val_probs
    )


def step_schedule_run(log_dir: Path, seed: int = 0) -> Diagnosis:
    """A torch loop with StepLR, its history written as CSV under a hostile file name."""
    torch = pytest.importorskip("torch")
    X_train, X_val, y_train, y_val = scaled_split(*load_digits(return_X_y=True), train_size=400, seed=seed)
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    model = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.2)
    xt, yt = torch.tensor(X_train, dtype=torch.float32), torch.tensor(y_train)
    xv, yv = torch.tensor(X_val, dtype=torch.float32), torch.tensor(y_val)
    rows = ["epoch,train_loss,val_loss,train_accuracy,val_accuracy,lr"]
    for epoch in range(1, 31):
        lr = optimizer.param_groups[0]["lr"]
        model.train()
        for batch in torch.randperm(len(xt)).split(32):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(xt[batch]), yt[batch]).backward()
            optimizer.step()
        schedule.step()
        model.eval()
        with torch.no_grad():
            logits_t, logits_v = model(xt), model(xv)
            figures = [
                torch.nn.functional.cross_entropy(logits_t, yt).item(),
                torch.nn.functional.cross_entropy(logits_v, yv).item(),
                (logits_t.argmax(1) == yt).float().mean().item(),
                (logits_v.argmax(1) == yv).float().mean().item(),
            ]
        rows.append(",".join(str(v) for v in [epoch, *figures, lr]))
    path = log_dir / f"{HOSTILE_ATTR}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return gapdoctor.diagnose(history=path, metric="accuracy")


def every_schema_key() -> Diagnosis:
    """Findings carrying every DATA_SCHEMA key, from real fits, with hostile user strings."""
    rng = np.random.default_rng(0)
    findings: list[Finding] = []
    with threadpool_limits(limits=1):
        # label noise on digits: 20% flipped, noise matrix from out-of-fold predictions
        X_all, y_all = load_digits(return_X_y=True)
        X, y = X_all[:600] / 16.0, y_all[:600]
        X_holdout, y_holdout = X_all[600:] / 16.0, y_all[600:]
        noisy = y.copy()
        flipped = rng.choice(len(y), size=120, replace=False)
        noisy[flipped] = (y[flipped] + rng.integers(1, 10, size=120)) % 10
        probs = cross_val_predict(LogisticRegression(max_iter=300), X, noisy, cv=3, method="predict_proba")
        estimate = probs.argmax(1)
        classes = [str(c) for c in range(10)]
        classes[3] = HOSTILE
        suspects = np.flatnonzero(estimate != noisy)
        suspects = suspects[np.argsort(-probs[suspects, estimate[suspects]])]
        groups_of_source = np.where(np.arange(600) < 300, "human", f"pseudo {HOSTILE}")
        sources = []
        for source in ("human", f"pseudo {HOSTILE}"):
            rows = groups_of_source == source
            wrong = int((estimate[rows] != noisy[rows]).sum())
            low, high = binomial_interval(wrong, int(rows.sum()))
            sources.append(
                {"source": source, "n": int(rows.sum()), "noise_rate": wrong / rows.sum(), "low": low, "high": high}
            )
        # the confirming experiment: drop the flagged rows, re-train, score on held-out rows
        before = LogisticRegression(max_iter=300).fit(X, noisy).score(X_holdout, y_holdout)
        kept = np.setdiff1d(np.arange(len(y)), suspects)
        after_model = LogisticRegression(max_iter=300).fit(X[kept], noisy[kept])
        right = int((after_model.predict(X_holdout) == y_holdout).sum())
        experiment = {
            "intervention": f"drop the {len(suspects)} flagged rows and re-train",
            "before": round(float(before), 4),
            "after": round(right / len(y_holdout), 4),
            "interval": list(binomial_interval(right, len(y_holdout))),
            "verdict": "confirmed" if right / len(y_holdout) > before else "refuted",
        }
        findings.append(
            Finding(
                cause="label_noise",
                experiment=experiment,
                score=0.93,
                summary=f"{len(suspects)} training labels look wrong; class {HOSTILE} is the most confused.",
                evidence={"flagged": len(suspects), HOSTILE: HOSTILE_ATTR},
                fixes=("Inspect and relabel the flagged rows, most suspicious first.",),
                rows=tuple(int(r) for r in suspects),
                check="label_noise.confident_learning",
                data={
                    "noise_matrix": {"classes": classes, "counts": confusion_matrix(noisy, estimate).tolist()},
                    "suspects": [
                        {
                            "row": int(r),
                            "given": classes[noisy[r]],
                            "suggested": classes[estimate[r]],
                            "confidence": float(probs[r, estimate[r]]),
                        }
                        for r in suspects[:50]
                    ],
                },
            )
        )
        findings.append(
            Finding(
                cause="pseudo_label_noise",
                score=0.7,
                summary="The pseudo-labelled source carries most of the noise.",
                check="pseudo_label_noise.sources",
                data={"sources": sources},
            )
        )
        # metric mismatch on breast cancer: F1 against the threshold, reliability bins
        Xb, yb = load_breast_cancer(return_X_y=True)
        Xb = StandardScaler().fit_transform(Xb)
        pb = cross_val_predict(LogisticRegression(C=0.01, max_iter=300), Xb, yb, cv=3, method="predict_proba")[:, 1]
        thresholds = np.linspace(0.05, 0.95, 37)
        values = [f1_score(yb, pb >= t) for t in thresholds]
        bins = np.clip((pb * 10).astype(int), 0, 9)
        used = [b for b in range(10) if (bins == b).any()]
        findings.append(
            Finding(
                cause="metric_mismatch",
                score=0.66,
                summary="Tuning the decision threshold gains F1 the loss never asked for.",
                check="metric_mismatch.threshold",
                data={
                    "threshold_curve": {
                        "thresholds": thresholds.tolist(),
                        "values": values,
                        "metric": "f1",
                        "default_threshold": 0.5,
                        "best_threshold": float(thresholds[np.argmax(values)]),
                    },
                    "reliability": {
                        "confidence": [float(pb[bins == b].mean()) for b in used],
                        "accuracy": [float(yb[bins == b].mean()) for b in used],
                        "count": [int((bins == b).sum()) for b in used],
                    },
                },
            )
        )
        # small validation set / subgroups: per-epoch accuracy of a real run on 120 rows
        Xd, Xv, yd, yv = scaled_split(*load_digits(return_X_y=True), train_size=500)
        Xv, yv = Xv[:120], yv[:120]
        run = train_by_epoch(Xd, yd, Xv, yv, epochs=20, hidden=(32,), seed=0)
        accuracy = run.history["val_accuracy"]
        band = [binomial_interval(round(a * len(yv)), len(yv)) for a in accuracy]
        findings.append(
            Finding(
                cause="small_validation_set",
                score=0.58,
                summary="120 validation rows: the interval is wider than any change after epoch 5.",
                check="small_validation_set.interval",
                data={
                    "metric_band": {
                        "epochs": list(range(1, 21)),
                        "values": accuracy,
                        "low": [b[0] for b in band],
                        "high": [b[1] for b in band],
                        "metric": "accuracy",
                    }
                },
            )
        )
        predicted = run.val_probs.argmax(1)
        groups = []
        for c in range(10):
            rows = yv == c
            right = int((predicted[rows] == c).sum())
            low, high = binomial_interval(right, int(rows.sum()))
            groups.append(
                {
                    "group": classes[c],
                    "kind": "class",
                    "n": int(rows.sum()),
                    "value": right / rows.sum(),
                    "low": low,
                    "high": high,
                    "metric": "recall",
                }
            )
        findings.append(
            Finding(
                cause="subgroup_failure",
                score=0.55,
                summary=f"Class {HOSTILE} is recognised far less often than the others.",
                check="subgroup_failure.per_class",
                data={
                    "groups": groups,
                    "confusion": {
                        "classes": classes,
                        "counts": confusion_matrix(yv, predicted, labels=range(10)).tolist(),
                    },
                },
            )
        )
        # shift on wine: validation = the high-alcohol rows
        wine = load_wine()
        names = list(wine.feature_names)
        names[0] = HOSTILE
        high_alcohol = wine.data[:, 0] > np.median(wine.data[:, 0])
        features = []
        for j in range(wine.data.shape[1]):
            a, b = wine.data[~high_alcohol, j], wine.data[high_alcohol, j]
            edges = np.histogram_bin_edges(wine.data[:, j], bins=15)
            features.append(
                {
                    "name": names[j],
                    "bin_edges": edges.tolist(),
                    "train": np.histogram(a, edges, density=True)[0].tolist(),
                    "val": np.histogram(b, edges, density=True)[0].tolist(),
                    "statistic": float(ks_2samp(a, b).statistic),
                    "label": "KS",
                }
            )
        features.sort(key=lambda f: -float(f["statistic"]))
        features[1]["name"] = MATH
        findings.append(
            Finding(
                cause="distribution_shift",
                score=0.8,
                summary=f"Validation rows differ from training rows, most in {HOSTILE}.",
                check=CovariateShift.CHECK,
                result=CovariateShift(
                    domain_auc=0.9,
                    domain_auc_low=0.85,
                    domain_auc_high=0.95,
                    domain_rows=len(wine.data),
                    features_tested=len(features),
                    features_shifted=6,
                    features_shifted_share=round(6 / len(features), 4),
                    correction="Benjamini-Hochberg",
                    separating={},
                    shifted={
                        f"shifted_{i}": f"{f['name']}: KS {f['statistic']:.3g}" for i, f in enumerate(features[:5], 1)
                    },
                    features=features[:6],
                ),
            )
        )
        findings.append(
            Finding(
                cause="pipeline_bug",
                score=0.6,
                summary="Validation labels are encoded in a different order.",
                check=LabelEncoding.CHECK,
                result=LabelEncoding(
                    split="y_val",
                    val_accuracy_as_given=0.6,
                    val_accuracy_best_mapping=0.9,
                    gain_z=8.0,
                    classes_remapped=2,
                    mapping_text=f"val '{classes[0]}' = model '{classes[1]}'",
                    mapping={"classes": classes[:4], "val_label_to_true": [classes[1], classes[0], *classes[2:4]]},
                ),
            )
        )
    curves = {k: list(map(float, v)) for k, v in run.history.items()}
    curves["lr"] = [0.01] * 8 + [0.001] * 12
    findings.append(
        Finding(
            cause="optimization",
            score=0.52,
            summary="Progress stalled after the learning-rate cut.",
            check="optimization.curves",
            data={"markers": {"lr_cut_epoch": 9, "stall_epoch": 11, HOSTILE: 4}},
        )
    )
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
