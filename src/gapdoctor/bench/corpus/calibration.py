"""Fit the scoring policy on the corpus's calibration families; measure it on the held-out ones.

``python -m gapdoctor.bench.corpus fit DIAGNOSES.jsonl`` reads the lines ``diagnose`` wrote,
keeps the calibration side of the family split (:mod:`~gapdoctor.bench.corpus.split`) and
fits, per cause, ``logit(score) = intercept + slope * logit(strength)`` (logistic
regression of "this finding names a cause present in the scenario" on its check's strength
of evidence) into :data:`gapdoctor.stats.scoring.FIT_FILE`.
``python -m gapdoctor.bench.corpus evaluate DIAGNOSES.jsonl`` measures, on the report side
(families the fit never read), with the shipped policy and without it: top-1 and top-3 of
the headline, the healthy false-alarm rate, and the reliability table (findings by score
bin against the share that names a real cause) with its expected calibration error.

A finding's strength is ``evidence["evidence_strength"]`` when the engine applied a policy,
else its score (a diagnosis made before any policy existed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gapdoctor.bench.corpus.split import split_by_family
from gapdoctor.findings import REPORT_THRESHOLD, Finding
from gapdoctor.ranking import rank
from gapdoctor.stats.scoring import FIT_FILE, CauseCalibration, strength_logit

__all__ = ["Evaluation", "evaluate", "fit_policy", "read_lines", "strength_of"]

MIN_FINDINGS = 20
"""A cause is fitted from at least this many calibration findings, ..."""
MIN_EACH_CLASS = 5
"""... with at least this many right and this many wrong: fewer, and its strength is kept."""
REGULARISATION = 1.0
"""Inverse L2 strength of the logistic fit (scikit-learn's C): two parameters, hundreds of points."""
BINS = 10
"""Score bins of the reliability table (equal width over [0, 1])."""


def read_lines(path: str | Path) -> list[dict[str, Any]]:
    """The diagnosed lines of a ``diagnose`` output (rejected and errored seeds left out)."""
    lines = [json.loads(text) for text in Path(path).read_text(encoding="utf-8").splitlines() if text.strip()]
    return [line for line in lines if line.get("status") == "diagnosed"]


def strength_of(finding: Mapping[str, Any]) -> float:
    """The check's own strength of evidence behind a stored finding."""
    evidence = finding.get("evidence") or {}
    value = evidence.get("evidence_strength", finding["score"])
    return float(value) if value is not None else 0.0


def fit_policy(lines: Iterable[Mapping[str, Any]], out: Path = FIT_FILE) -> dict[str, Any]:
    """Fit the per-cause calibration on the calibration side of ``lines`` and write it to ``out``."""
    from sklearn.linear_model import LogisticRegression

    split = split_by_family(list(lines))
    points: dict[str, list[tuple[float, int]]] = {}
    for line in split.calibrate:
        truth = set(line["causes"])
        for finding in line["findings"]:
            points.setdefault(finding["cause"], []).append(
                (strength_logit(strength_of(finding)), int(finding["cause"] in truth))
            )
    causes: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    for cause, pairs in sorted(points.items()):
        x = np.array([[p[0]] for p in pairs])
        y = np.array([p[1] for p in pairs])
        positives = int(y.sum())
        if len(y) < MIN_FINDINGS or min(positives, len(y) - positives) < MIN_EACH_CLASS:
            skipped[cause] = f"{len(y)} findings, {positives} right: too few to fit"
            continue
        model = LogisticRegression(C=REGULARISATION).fit(x, y)
        slope, intercept = float(model.coef_[0][0]), float(model.intercept_[0])
        if slope <= 0:
            skipped[cause] = f"slope {slope:.3f}: its strength does not separate right from wrong findings"
            continue
        causes[cause] = {
            "intercept": round(intercept, 6),
            "slope": round(slope, 6),
            "n_findings": len(y),
            "n_positive": positives,
        }
    content = {
        "fitted_on": {
            "calibration_scenarios": len(split.calibrate),
            "held_out": {axis: list(labels) for axis, labels in split.held_out.items()},
            "model": "logit(score) = intercept + slope * logit(strength), per cause (Platt scaling)",
            "regularisation_C": REGULARISATION,
        },
        "causes": causes,
        "kept_as_measured": skipped,
    }
    out.write_text(json.dumps(content, indent=1) + "\n", encoding="utf-8")
    return content


@dataclass(frozen=True)
class Evaluation:
    """Headline accuracy and calibration on a set of diagnosed scenarios."""

    scenarios: int
    top1: float
    top3: float
    healthy: int
    false_alarms: int
    reliability: list[dict[str, Any]]
    ece: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe."""
        return {
            "scenarios": self.scenarios,
            "top1": round(self.top1, 4),
            "top3": round(self.top3, 4),
            "healthy": self.healthy,
            "false_alarms": self.false_alarms,
            "ece": round(self.ece, 4),
            "reliability": self.reliability,
        }


def _rescored(line: Mapping[str, Any], policy: Mapping[str, CauseCalibration] | None) -> list[Finding]:
    findings = []
    for stored in line["findings"]:
        strength = strength_of(stored)
        calibration = None if policy is None else policy.get(stored["cause"])
        score = strength if calibration is None else calibration(strength)
        findings.append(Finding(cause=stored["cause"], score=float(score), summary="", check=stored.get("check", "")))
    return rank(findings)


def evaluate(lines: Iterable[Mapping[str, Any]], policy: Mapping[str, CauseCalibration] | None) -> Evaluation:
    """Top-1 / top-3 / false alarms / reliability of ``lines`` re-scored with ``policy`` (None: strengths)."""
    hits = hits3 = healthy = alarms = n = 0
    scored: list[tuple[float, int]] = []
    for line in lines:
        truth = set(line["causes"])
        ranked = _rescored(line, policy)
        reported = [f.cause for f in ranked if f.score >= REPORT_THRESHOLD]
        n += 1
        if not truth:
            healthy += 1
            alarms += bool(reported)
            hits += not reported
            hits3 += not reported
        else:
            hits += bool(reported) and reported[0] in truth
            hits3 += bool(truth & set(reported[:3]))
        scored.extend((f.score, int(f.cause in truth)) for f in ranked)
    table, ece = _reliability(scored)
    return Evaluation(n, hits / max(n, 1), hits3 / max(n, 1), healthy, alarms, table, ece)


def _reliability(scored: list[tuple[float, int]]) -> tuple[list[dict[str, Any]], float]:
    table: list[dict[str, Any]] = []
    total = len(scored)
    ece = 0.0
    for b in range(BINS):
        low, high = b / BINS, (b + 1) / BINS
        inside = [(s, r) for s, r in scored if low <= s < high or (b == BINS - 1 and s == 1.0)]
        if not inside:
            continue
        mean_score = float(np.mean([s for s, _ in inside]))
        share = float(np.mean([r for _, r in inside]))
        ece += len(inside) / total * abs(mean_score - share)
        table.append(
            {
                "bin": f"{low:.1f}-{high:.1f}",
                "findings": len(inside),
                "mean_score": round(mean_score, 3),
                "real": round(share, 3),
            }
        )
    return table, ece
