"""Fit the scoring policy on the corpus's calibration families; measure it on the held-out ones.

``python -m gapdoctor.bench.corpus fit DIAGNOSES.jsonl`` reads the lines ``diagnose`` wrote,
keeps the calibration side of the family split (:mod:`~gapdoctor.bench.corpus.split`) and
fits the one monotone map from strength to score (:class:`gapdoctor.stats.scoring.ScoreMap`,
:func:`fit_score_map`: the share of right findings per strength bin, pooled to be increasing,
0.5 kept at 0.5) into :data:`gapdoctor.stats.scoring.FIT_FILE`.
``python -m gapdoctor.bench.corpus evaluate DIAGNOSES.jsonl`` measures, on the report side
(families the fit never read), with the shipped policy and without it, the figures of
:class:`Evaluation`.

**Right, per finding** (the fit's target and the reliability table's): the finding's stored
``truth`` is ``injected`` (its cause was injected) or ``observed`` (the scenario's own data show
its symptom: :mod:`~gapdoctor.bench.corpus.symptoms`); a line written before truths were
stored counts injected causes only.

**Right, per headline** (top-1, top-3): strict, as the issue's targets read — the headline
(first reported finding, score >= 0.5) names an injected cause; top-3: an injected cause is
among the first three reported; a healthy run is right when nothing is reported. An observed
symptom the injected cause explains (overfitting in a label-noise run) is a true statement
but the wrong headline: the user should fix the root cause. ``top1_real`` also credits a
headline that is an observed symptom *no injected cause explains* (per the causes' specs), a
second real problem of the run; on a healthy run, a headline whose symptom passed the
healthy draw's stricter rule.

A finding's strength is ``evidence["evidence_strength"]`` when the engine applied a policy,
else its score (a diagnosis made before any policy existed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gapdoctor.bench.corpus.split import split_by_family
from gapdoctor.causes.vocabulary import explained_by
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.findings import REPORT_THRESHOLD, Finding
from gapdoctor.ranking import rank
from gapdoctor.stats.scoring import FIT_FILE, REPORTING_POINT, ScoreMap

__all__ = ["Evaluation", "evaluate", "fit_policy", "fit_score_map", "is_right", "markdown", "read_lines", "strength_of"]

BIN_WIDTH = 0.05
"""Strength bins of the fitted map: 20 over [0, 1], ten each side of the reporting point; on the
400-seed corpus about 45 calibration findings a bin (some 950 in all), a share right to about ±0.1."""
MIN_BIN_FINDINGS = 10
"""A bin with fewer findings is pooled with the next bin up (the top one of a side with the one below):
one knot should not rest on a handful of findings."""
IDENTITY_SHARE = 0.01
"""The map is ``(1 - IDENTITY_SHARE) * fitted + IDENTITY_SHARE * strength``: strictly increasing where
the isotonic fit is flat, so two strengths never tie (a tie would hand the order to the vocabulary);
it moves a score by at most 0.005 and keeps 0.5 at 0.5."""
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


def is_right(finding: Mapping[str, Any], injected: set[str]) -> bool:
    """Whether a stored finding is right: its ``truth`` (injected or observed), else its cause injected."""
    truth = finding.get("truth")
    return finding["cause"] in injected if truth is None else truth != "wrong"


def _pooled_bins(strengths: np.ndarray, right: np.ndarray, low: float, high: float) -> list[tuple[float, float, int]]:
    """(mean strength, share right, findings) per :data:`BIN_WIDTH` bin of [low, high], sparse bins pooled."""
    edges = np.linspace(low, high, round((high - low) / BIN_WIDTH) + 1)
    index = np.clip(np.searchsorted(edges, strengths, side="right") - 1, 0, len(edges) - 2)
    groups: list[list[int]] = []
    for b in range(len(edges) - 1):
        members = np.flatnonzero(index == b).tolist()
        if groups and len(groups[-1]) < MIN_BIN_FINDINGS:
            groups[-1] += members
        elif members:
            groups.append(members)
    if len(groups) > 1 and len(groups[-1]) < MIN_BIN_FINDINGS:
        last = groups.pop()
        groups[-1] += last
    return [(float(strengths[g].mean()), float(right[g].mean()), len(g)) for g in groups if g]


def fit_score_map(strengths: Iterable[float], right: Iterable[bool]) -> ScoreMap:
    """The monotone map from strength to the share of right findings, 0.5 kept at 0.5.

    Each side of the reporting point on its own: the findings' share right per strength bin
    (:data:`BIN_WIDTH`, sparse bins pooled), made increasing by weighted isotonic regression
    bounded to that side ([0, 0.5] below, [0.5, 1] above), one knot per bin at its mean
    strength; then blended with the identity (:data:`IDENTITY_SHARE`). A side without
    findings keeps the identity.

    Raises
    ------
    GapdoctorInputError
        When there are no findings, or strengths outside [0, 1].

    Examples
    --------
    >>> m = fit_score_map([0.2] * 20 + [0.8] * 20, [True] * 2 + [False] * 18 + [True] * 19 + [False])
    >>> round(m(0.2), 3), m(0.5), round(m(0.8), 3)
    (0.101, 0.5, 0.948)
    """
    from sklearn.isotonic import IsotonicRegression

    s = np.asarray(list(strengths), dtype=float)
    y = np.asarray(list(right), dtype=float)
    if s.size == 0 or s.size != y.size or not np.all((s >= 0) & (s <= 1)):
        raise GapdoctorInputError(
            "strengths", f"{s.size} strengths in [0, 1] with {y.size} labels expected", "pass diagnosed findings"
        )
    knots = {0.0: 0.0, REPORTING_POINT: REPORTING_POINT, 1.0: 1.0}  # a side without findings: the identity
    for low, high in ((0.0, REPORTING_POINT), (REPORTING_POINT, 1.0)):
        inside = (s >= low) & ((s < high) if high < 1.0 else (s <= high))
        bins = _pooled_bins(s[inside], y[inside], low, high)
        if not bins:
            continue
        means, shares, counts = (np.array(v) for v in zip(*bins, strict=True))
        fitted = IsotonicRegression(y_min=low, y_max=high).fit(means, shares, sample_weight=counts).predict(means)
        outer = 0.0 if low == 0.0 else 1.0
        knots[outer] = float(fitted[0] if outer == 0.0 else fitted[-1])  # flat beyond the outermost bin
        knots.update((float(x), float(v)) for x, v in zip(means, fitted, strict=True))
    knots[REPORTING_POINT] = REPORTING_POINT  # a bin whose findings all sit on 0.5 does not move it
    kx = sorted(knots)
    blended = [(1 - IDENTITY_SHARE) * knots[x] + IDENTITY_SHARE * x for x in kx]
    return ScoreMap(tuple(kx), tuple(min(max(v, 0.0), 1.0) for v in blended), int(s.size), int(y.sum()))


def fit_policy(
    lines: Iterable[Mapping[str, Any]], out: Path = FIT_FILE, held_out: Mapping[str, Iterable[str]] | None = None
) -> dict[str, Any]:
    """Fit the scoring policy on the calibration side of ``lines`` and write it to ``out``.

    ``held_out``: the families never read (default :data:`~gapdoctor.bench.corpus.split.DEFAULT_HELD_OUT`).

    Raises
    ------
    GapdoctorInputError
        When the calibration side holds no finding.
    """
    split = split_by_family(list(lines), held_out)
    points = [
        (finding["cause"], strength_of(finding), is_right(finding, set(line["causes"])))
        for line in split.calibrate
        for finding in line["findings"]
    ]
    if not points:
        raise GapdoctorInputError("lines", "hold no finding on the calibration side", "pass a diagnosed corpus")
    fitted = fit_score_map([p[1] for p in points], [p[2] for p in points])
    by_cause: dict[str, dict[str, Any]] = {}
    for cause in sorted({p[0] for p in points}):
        mine = [p for p in points if p[0] == cause]
        by_cause[cause] = {
            "findings": len(mine),
            "right": round(float(np.mean([p[2] for p in mine])), 3),
            "mean_strength": round(float(np.mean([p[1] for p in mine])), 3),
            "mean_score": round(float(np.mean([fitted(p[1]) for p in mine])), 3),
        }
    content = {
        "fitted_on": {
            "calibration_scenarios": len(split.calibrate),
            "held_out": {axis: list(labels) for axis, labels in split.held_out.items()},
            "model": "one increasing piecewise-linear map for every cause: share right per strength bin, "
            "isotonic, 0.5 kept at 0.5, blended with the identity (gapdoctor.bench.corpus.calibration)",
            "right": "cause injected, or its symptom observed in the scenario's data (bench.corpus.symptoms)",
            "bin_width": BIN_WIDTH,
            "min_bin_findings": MIN_BIN_FINDINGS,
            "identity_share": IDENTITY_SHARE,
        },
        "map": {
            "strength": list(fitted.strengths),  # unrounded: rounding could tie two close knots
            "score": list(fitted.scores),
            "n_findings": fitted.n_findings,
            "n_right": fitted.n_right,
        },
        "by_cause_not_applied": by_cause,
    }
    out.write_text(json.dumps(content, indent=1) + "\n", encoding="utf-8")
    return content


@dataclass(frozen=True)
class Evaluation:
    """Headline accuracy and calibration on a set of diagnosed scenarios (rules: the module docstring).

    Parameters
    ----------
    scenarios : int
    top1, top3 : float
        Share of scenarios whose headline / first three reported findings name an injected
        cause (a healthy run: nothing reported).
    top1_real : float
        As ``top1``, also crediting a headline that is an observed symptom no injected cause explains.
    ranked_first : float
        Of scenarios with an injected cause, the share whose first finding (any score) names one.
    healthy, false_alarms : int
        Healthy scenarios, and those with any reported finding.
    unobserved_alarms : int
        Healthy scenarios with a reported finding whose symptom their data do not show.
    reliability : list of dict
        Findings by score bin: count, mean score, share right (injected or observed).
    ece : float
        Expected calibration error of that table (bin-size weighted |mean score - share right|).
    by_cause : dict
        Cause -> findings, share right, mean score.
    headline_hits : tuple of bool
        Per scenario, in order: whether its headline counted in ``top1`` (not in ``to_dict``).
    confusion : dict
        Injected causes (``"a+b"`` for a pair, ``"none"`` healthy) -> headline -> scenarios.
    """

    scenarios: int
    top1: float
    top3: float
    top1_real: float
    ranked_first: float
    healthy: int
    false_alarms: int
    unobserved_alarms: int
    reliability: list[dict[str, Any]]
    ece: float
    by_cause: dict[str, dict[str, Any]] = field(default_factory=dict)
    headline_hits: tuple[bool, ...] = ()
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe."""
        return {
            "scenarios": self.scenarios,
            "top1": round(self.top1, 4),
            "top3": round(self.top3, 4),
            "top1_real": round(self.top1_real, 4),
            "ranked_first": round(self.ranked_first, 4),
            "healthy": self.healthy,
            "false_alarms": self.false_alarms,
            "unobserved_alarms": self.unobserved_alarms,
            "ece": round(self.ece, 4),
            "reliability": self.reliability,
            "by_cause": self.by_cause,
            "confusion": self.confusion,
        }


def _rescored(line: Mapping[str, Any], policy: ScoreMap | None) -> list[tuple[Finding, bool]]:
    """The line's findings re-scored with ``policy`` and ranked, each with whether it is right."""
    injected = set(line["causes"])
    findings, right = [], {}
    for stored in line["findings"]:
        strength = strength_of(stored)
        score = strength if policy is None else policy(strength)
        evidence = dict(stored.get("evidence") or {})  # a payload's explained_by() reads it
        findings.append(Finding(stored["cause"], float(score), "", evidence, check=stored.get("check", "")))
        right[stored["cause"]] = is_right(stored, injected)
    return [(f, right[f.cause]) for f in rank(findings)]


def _real_headline(cause: str, right: bool, injected: set[str]) -> bool:
    """An injected cause, or an observed symptom that no injected cause explains."""
    return cause in injected or (right and not set(explained_by(cause)) & injected)


def evaluate(lines: Iterable[Mapping[str, Any]], policy: ScoreMap | None) -> Evaluation:
    """The :class:`Evaluation` of ``lines`` re-scored with ``policy`` (None: the check strengths)."""
    hits = hits3 = real = first = with_cause = healthy = alarms = unobserved = n = 0
    per_scenario: list[bool] = []
    scored: list[tuple[float, int]] = []
    causes: dict[str, list[tuple[float, int]]] = {}
    confusion: dict[str, dict[str, int]] = {}
    for line in lines:
        truth = set(line["causes"])
        ranked = _rescored(line, policy)
        reported = [(f.cause, right) for f, right in ranked if f.score >= REPORT_THRESHOLD]
        n += 1
        row = confusion.setdefault("+".join(line["causes"]) or "none", {})
        headline = reported[0][0] if reported else "none"
        row[headline] = row.get(headline, 0) + 1
        if not truth:
            healthy += 1
            alarms += bool(reported)
            unobserved += any(not right for _, right in reported)
            per_scenario.append(not reported)
            hits3 += not reported
            real += not reported or reported[0][1]
        else:
            with_cause += 1
            first += bool(ranked) and ranked[0][0].cause in truth
            per_scenario.append(bool(reported) and reported[0][0] in truth)
            hits3 += bool(truth & {cause for cause, _ in reported[:3]})
            real += bool(reported) and _real_headline(*reported[0], truth)
        hits += per_scenario[-1]
        scored.extend((f.score, int(right)) for f, right in ranked)
        for f, right in ranked:
            causes.setdefault(f.cause, []).append((f.score, int(right)))
    table, ece = _reliability(scored)
    by_cause = {
        cause: {
            "findings": len(pairs),
            "right": round(float(np.mean([r for _, r in pairs])), 3),
            "mean_score": round(float(np.mean([s for s, _ in pairs])), 3),
        }
        for cause, pairs in sorted(causes.items())
    }
    share = 1 / max(n, 1)
    return Evaluation(
        n,
        hits * share,
        hits3 * share,
        real * share,
        first / max(with_cause, 1),
        healthy,
        alarms,
        unobserved,
        table,
        ece,
        by_cause,
        tuple(per_scenario),
        {label: dict(sorted(row.items(), key=lambda kv: -kv[1])) for label, row in sorted(confusion.items())},
    )


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


def markdown(results: list[tuple[str, dict[str, Any]]], side: str) -> str:
    """The evaluations ``[(title, Evaluation.to_dict()), ...]`` as the Markdown tables of RESULTS.md."""
    n = results[0][1]["scenarios"]
    out = [
        f"| {side} families ({n} scenarios) | top-1 | top-3 | top-1 (real) | ranked first | alarms (healthy) "
        "| unobserved alarms | ECE |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for title, r in results:
        alarms = f"{r['false_alarms']} of {r['healthy']}"
        out.append(
            f"| {title} | {100 * r['top1']:.1f}% | {100 * r['top3']:.1f}% | {100 * r['top1_real']:.1f}% "
            f"| {100 * r['ranked_first']:.1f}% | {alarms} | {r['unobserved_alarms']} | {r['ece']:.3f} |"
        )
    bins = sorted({row["bin"] for _, r in results for row in r["reliability"]})
    out += ["", "| score bin | " + " | ".join(f"{t}: findings, mean score, share right" for t, _ in results) + " |"]
    out.append("|---|" + "---:|" * len(results))
    for b in bins:
        cells = []
        for _, r in results:
            row = next((x for x in r["reliability"] if x["bin"] == b), None)
            cells.append("." if row is None else f"{row['findings']}, {row['mean_score']:.3f}, {row['real']:.3f}")
        out.append(f"| {b} | " + " | ".join(cells) + " |")
    causes = sorted({c for _, r in results for c in r["by_cause"]})
    out += ["", "| cause | findings | share right | " + " | ".join(f"mean score, {t}" for t, _ in results) + " |"]
    out.append("|---|---:|---:|" + "---:|" * len(results))
    for cause in causes:
        first = results[0][1]["by_cause"][cause]
        scores = " | ".join(f"{r['by_cause'][cause]['mean_score']:.3f}" for _, r in results)
        out.append(f"| {cause} | {first['findings']} | {first['right']:.3f} | {scores} |")
    out += ["", "| injected | " + " | ".join(f"headlines, {t}" for t, _ in results) + " |"]
    out.append("|---|" + "---|" * len(results))
    for label in results[0][1]["confusion"]:
        cells = [", ".join(f"{c} {k}" for c, k in r["confusion"].get(label, {}).items()) for _, r in results]
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(out)
