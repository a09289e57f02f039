"""Pseudo-label noise: wrong labels concentrated in a weak or pseudo-labelled source.

Uses the rows that confident learning flags on out-of-sample ``train_probs`` (the same
flags as ``label_noise``, from :func:`gapdoctor.causes.label_noise.check.label_issues_of`) or,
when only per-row training losses were recorded, the rows fitted late or never
(:func:`gapdoctor.causes.label_noise.memorisation.memorisation_of`), and counts them per label source
(``sources_train``: "human", "pseudo", "weak"...). Each source gets its flag rate with
an exact (Clopper-Pearson) 95% interval. The reference is the trusted source (a name such as
human / gold / expert, :func:`~gapdoctor.causes.pseudo_label_noise.teaching.trusted_source`)
or, without one, the cleanest source with enough rows. A trusted source is never blamed: when
a teacher labelled most rows, the model fitted on every row has learnt the teacher, and the
rows it flags are the trusted ones, which carry the truth. A source flagged clearly *less*
than the trusted one (same separation rules) is blamed for that reason, when its labels teach
no better than the trusted ones (otherwise the trusted labels may be the noisy ones). A source is reported when it is
clearly noisier than the reference: its flag rate is above the
reference's by at least ``score.AT_REPORT`` (score 0.5), the two intervals do not
overlap and a two-proportion z-test gives p < 0.001. Noise spread evenly over every
source is ``label_noise``, not this.

Confident learning cannot see a teacher's *consistent* errors (the model fitted on every row
learns them as if right). With ``X_train``, ``X_val`` and ``y_val``, the check also measures what
each source's labels teach (:mod:`gapdoctor.causes.pseudo_label_noise.teaching`): the validation
accuracy of small models fitted on that source alone against the trusted source's. A source
that teaches clearly worse (p < ``score.TAUGHT_P_VALUE``) is blamed on that evidence, scored 0.5
at a drop of ``score.TAUGHT_AT_REPORT``. And it measures how many more of a source's labels are
learnt as if right but wrong on validation than the trusted source's
(:mod:`gapdoctor.causes.pseudo_label_noise.agreement`; scored 0.5 at ``score.LEARNT_AT_REPORT``
when p < ``score.LEARNT_P_VALUE``). When neither test is clear alone, the two together may be
(:func:`~gapdoctor.causes.pseudo_label_noise.score.combined_p_value`: Stouffer's z allowing for their
correlation, p < ``score.COMBINED_P_VALUE``). With few trusted rows those fits vary by several
points whatever the labels; judges fitted once on the validation rows need no such fit
(:mod:`gapdoctor.causes.pseudo_label_noise.disagreement`): how much more they disagree with a source's
labels than with the trusted ones', a permutation test, scored 0.5 at ``score.DISAGREED_AT_REPORT``
when p < ``score.DISAGREED_P_VALUE`` alone or, with the taught test, together below
``score.COMBINED_P_VALUE``. The strongest of these model-based statistics blames its
source when it is stronger than the flag-rate excess or names another source.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps

from gapdoctor.causes.label_noise.check import label_issues_of, label_pass_rows
from gapdoctor.causes.label_noise.memorisation import memorisation_of
from gapdoctor.causes.label_noise.result import Suspect
from gapdoctor.causes.pseudo_label_noise.agreement import SourceAgreement, agreement_of
from gapdoctor.causes.pseudo_label_noise.disagreement import SourceDisagreement, disagreement_of
from gapdoctor.causes.pseudo_label_noise.result import NoiseBySource, SourceRate
from gapdoctor.causes.pseudo_label_noise.score import (
    DISAGREED_AT_REPORT,
    LEARNT_AT_REPORT,
    combined_p_value,
    combined_ratio,
    disagreed_ratio,
    excess_ratio,
    learnt_ratio,
    score,
    taught_ratio,
)
from gapdoctor.causes.pseudo_label_noise.summaries import (
    BOTH_BLAMED_BY,
    DISAGREED_BLAMED_BY,
    FLAGGED_LESS_BY,
    LEARNT_BLAMED_BY,
    MODEL_BLAMED_BY,
    TAUGHT_BLAMED_BY,
    TAUGHT_DISAGREED_BLAMED_BY,
    flagged_less_summary,
    model_summary,
)
from gapdoctor.causes.pseudo_label_noise.teaching import SourceTeaching, teaching_of, trusted_source
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.causes.vocabulary import cause_info
from gapdoctor.findings import MIN_FINDING_SCORE, Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.accumulators import binomial_interval

_MIN_SOURCE_ROWS = 20
_P_VALUE = 1e-3  # two sources' flag rates are separated below it (Bonferroni-corrected)
_MAX_SUSPECTS = 50


def _two_proportion_p_value(x1: int, n1: int, x2: int, n2: int) -> float:
    """One-sided p-value that proportion 1 exceeds proportion 2 (pooled z-test)."""
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    return float(sps.norm.sf((x1 / n1 - x2 / n2) / se))


_Flags = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64] | None, NDArray[np.float64] | None, str]


def _flags(evidence: Evidence) -> _Flags:
    """(rows judged, flagged rows, suggested class and its probability per flagged row or None, method)."""
    assert evidence.y_train is not None
    if evidence.train_probs is not None:
        issues = label_issues_of(evidence)
        judged = label_pass_rows(len(evidence.y_train), evidence.train_probs.shape[1])  # the rows it read
        return judged, issues.rows, issues.suggested, issues.suggested_probability, "confident learning"
    if evidence.sample_losses is not None:
        memo = memorisation_of(evidence)
        late_rows, late_epochs = memo.rows[memo.late], memo.learned_epoch[memo.late]
        latest_first = late_rows[np.lexsort((late_rows, -late_epochs))]
        return memo.rows, latest_first, None, None, "late-fitted rows (memorisation)"
    raise SkipCheck("needs out-of-sample train_probs or per-row sample_losses to flag wrong labels")


def _model_blame(
    teaching: list[SourceTeaching], learnt: list[SourceAgreement], disagreed: list[SourceDisagreement]
) -> tuple[float, str, str, str] | None:
    """(ratio, evidence, source, reference) of the strongest significant evidence from the judges' fits, or None.

    Five kinds: a source whose labels teach clearly worse (:func:`score.taught_ratio`), a source whose
    labels are learnt as if right but wrong on validation (:func:`score.learnt_ratio`), a source whose
    labels the validation-fitted judges contradict (:func:`score.disagreed_ratio`), and a source for
    which the taught test together with one of the other two is clear (:func:`score.combined_ratio`)
    though none is alone.
    """
    found = [(taught_ratio(t["drop"], t["p_value"]), TAUGHT_BLAMED_BY, t["source"], t["reference"]) for t in teaching]
    found += [(learnt_ratio(a["excess"], a["p_value"]), LEARNT_BLAMED_BY, a["source"], a["reference"]) for a in learnt]
    found += [
        (disagreed_ratio(d["excess"], d["p_value"]), DISAGREED_BLAMED_BY, d["source"], d["reference"])
        for d in disagreed
    ]
    alone = {source for ratio, _, source, _ in found if ratio > 0}  # a test clear alone tells the story itself
    for other, blamed_by, at_report in (
        (learnt, BOTH_BLAMED_BY, LEARNT_AT_REPORT),
        (disagreed, TAUGHT_DISAGREED_BLAMED_BY, DISAGREED_AT_REPORT),
    ):
        by_source = {o["source"]: (o["excess"], o["p_value"]) for o in other}
        for t in teaching:
            if t["source"] in by_source and t["source"] not in alone:
                excess, p = by_source[t["source"]]
                together = combined_p_value(t["p_value"], p)
                ratio = combined_ratio(t["drop"], excess, together, at_report)
                found.append((ratio, blamed_by, t["source"], t["reference"]))
    found = [f for f in found if f[0] > 0]
    return max(found, key=lambda f: f[0]) if found else None


def _flagged_less(
    sources: list[SourceRate],
    flagged: NDArray[np.int64],
    sizes: NDArray[np.int64],
    usable: list[int],
    reference: int,
    teaching: list[SourceTeaching],
) -> tuple[float, int, float] | None:
    """(ratio, source, p-value) of the source flagged clearly *less* than the trusted ``reference``, or None.

    Correct labels carry the task's own noise, so a model flags a clean source about as often as
    the trusted one; a source whose labels the model fitted on every row agrees with far more
    often has labels smoother than the truth: a teacher's, errors included, learnt as if right.
    The same pattern comes from noisy *trusted* labels, so the source is blamed only when its
    labels do not teach better than the trusted ones (what-it-teaches drop >= 0; without
    validation labels nothing tells the two apart, and nothing is blamed).
    """
    others = [i for i in usable if i != reference]
    cleanest = min(others, key=lambda i: (sources[i]["noise_rate"], -sizes[i]))
    ref, low = sources[reference], sources[cleanest]
    p = _two_proportion_p_value(
        int(flagged[reference]), int(sizes[reference]), int(flagged[cleanest]), int(sizes[cleanest])
    )
    taught = next((t for t in teaching if t["source"] == low["source"]), None)
    if taught is None or taught["drop"] < 0 or not (ref["low"] > low["high"] and p < _P_VALUE):
        return None
    return excess_ratio(ref["noise_rate"] - low["noise_rate"], separated=True), cleanest, p


def _pct(row: SourceTeaching | SourceAgreement | SourceDisagreement | None, key: str) -> float | None:
    if row is None:
        return None
    value = row[key]  # type: ignore[literal-required]
    return round(100 * float(value), 2)


@register(
    name="pseudo_label_noise.by_source",
    cause="pseudo_label_noise",
    requires=("y_train", "sources_train"),
    description="Label-noise rate per label source (sources_train), with intervals, from confident learning "
    "on train_probs or, without them, from late-fitted rows in sample_losses.",
)
def pseudo_label_noise_by_source(evidence: Evidence) -> list[Finding]:
    """A label source whose labels are clearly worse than the reference's (see the module docstring)."""
    assert evidence.sources_train is not None and evidence.y_train is not None
    n = len(evidence.y_train)
    probs = evidence.train_probs
    read = np.arange(n) if probs is None else label_pass_rows(n, probs.shape[1])  # the label pass's budget
    names, source_of_read = np.unique(evidence.sources_train[read], return_inverse=True)
    source_of_row = np.full(n, -1, dtype=np.int64)  # -1: a row the label pass did not read
    source_of_row[read] = source_of_read
    if len(names) < 2:
        raise SkipCheck(f"sources_train names a single source ({names[0]!r}): nothing to compare")
    judged, flagged_rows, suggested, confidence, method = _flags(evidence)
    sizes = np.bincount(source_of_row[judged], minlength=len(names))
    flagged = np.bincount(source_of_row[flagged_rows], minlength=len(names))
    sources: list[SourceRate] = []
    for i, name in enumerate(names):
        low, high = binomial_interval(int(flagged[i]), int(sizes[i]))
        rate = flagged[i] / max(sizes[i], 1)
        sources.append({"source": str(name), "n": int(sizes[i]), "noise_rate": float(rate), "low": low, "high": high})
    usable = [i for i in range(len(names)) if sizes[i] >= _MIN_SOURCE_ROWS]
    if len(usable) < 2:
        raise SkipCheck(f"fewer than two sources have {_MIN_SOURCE_ROWS} rows or more")
    trusted = trusted_source([str(names[i]) for i in usable], [int(sizes[i]) for i in usable])
    if trusted is not None:  # the trusted source is the reference of every statistic, never the one blamed
        reference = next(i for i in usable if names[i] == trusted)
        noisiest = max((i for i in usable if i != reference), key=lambda i: (sources[i]["noise_rate"], sizes[i]))
    else:
        reference = min(usable, key=lambda i: (sources[i]["noise_rate"], -sizes[i]))
        noisiest = max(usable, key=lambda i: (sources[i]["noise_rate"], sizes[i]))
    ref, worst = sources[reference], sources[noisiest]
    excess = worst["noise_rate"] - ref["noise_rate"]
    p_value = _two_proportion_p_value(
        int(flagged[noisiest]), int(sizes[noisiest]), int(flagged[reference]), int(sizes[reference])
    )
    separated = worst["low"] > ref["high"] and p_value < _P_VALUE
    strength = excess_ratio(excess, separated=separated)
    taught = teaching_of(evidence, _MIN_SOURCE_ROWS)
    teaching = [] if taught is None else taught["sources"]
    learnt = agreement_of(evidence, _MIN_SOURCE_ROWS)
    disagreed = disagreement_of(evidence, _MIN_SOURCE_ROWS)
    blamed_by = "confident learning"
    less = None if trusted is None else _flagged_less(sources, flagged, sizes, usable, reference, teaching)
    if less is not None and less[0] > strength:
        strength, noisiest, p_value = less
        worst, blamed_by = sources[noisiest], FLAGGED_LESS_BY
        excess = worst["noise_rate"] - ref["noise_rate"]
    blame = _model_blame(teaching, learnt, disagreed)
    if blame is not None:
        blame_strength, model_blamed_by, blamed_source, blamed_reference = blame
        by_name = [int(i) for i in np.flatnonzero(names == blamed_source)]
        if by_name and (blame_strength > strength or by_name[0] != noisiest):
            noisiest, strength, blamed_by = by_name[0], blame_strength, model_blamed_by
            named = [i for i in usable if names[i] == blamed_reference]
            others = [i for i in usable if i != noisiest]
            reference = named[0] if named else min(others, key=lambda i: (sources[i]["noise_rate"], -sizes[i]))
            worst, ref = sources[noisiest], sources[reference]
            excess = worst["noise_rate"] - ref["noise_rate"]
            p_value = _two_proportion_p_value(
                int(flagged[noisiest]), int(sizes[noisiest]), int(flagged[reference]), int(sizes[reference])
            )
        else:
            blame = None
    strength_of_evidence = score(strength)
    if strength_of_evidence < MIN_FINDING_SCORE:
        return []

    in_worst = source_of_row[flagged_rows] == noisiest
    worst_rows = flagged_rows[in_worst]
    suspects: list[Suspect] | None = None
    if suggested is not None and confidence is not None:
        suspects = [
            {
                "row": int(row),
                "given": str(evidence.classes[int(evidence.y_train[row])]),
                "suggested": str(evidence.classes[int(other)]),
                "confidence": round(float(p), 4),
            }
            for row, other, p in zip(
                worst_rows[:_MAX_SUSPECTS],
                suggested[in_worst][:_MAX_SUSPECTS],
                confidence[in_worst][:_MAX_SUSPECTS],
                strict=True,
            )
        ]
    row = next((t for t in teaching if t["source"] == worst["source"]), None)
    agreed = next((a for a in learnt if a["source"] == worst["source"]), None)
    contradicted = next((d for d in disagreed if d["source"] == worst["source"]), None)
    summary = model_summary(blamed_by, row, agreed, contradicted)
    if blamed_by == FLAGGED_LESS_BY:
        summary = flagged_less_summary(worst, ref, row)
    summary += (
        f"Source '{worst['source']}' has {100 * worst['noise_rate']:.1f}% of its labels flagged as wrong "
        f"(95% interval {100 * worst['low']:.1f}–{100 * worst['high']:.1f}%) against "
        f"{100 * ref['noise_rate']:.1f}% ({100 * ref['low']:.1f}–{100 * ref['high']:.1f}%) for '{ref['source']}'"
        f" (one-sided p = {p_value:.2g}; flags from {method})."
    )
    if blamed_by in MODEL_BLAMED_BY and p_value >= _P_VALUE:  # the flags alone do not single it out: say why
        summary += " A model fitted on every row learns a teacher's consistent errors as if right, so few are flagged."
    result = NoiseBySource(
        noisiest_source=worst["source"],
        noisiest_noise_rate_pct=round(100 * worst["noise_rate"], 2),
        reference_source=ref["source"],
        reference_noise_rate_pct=round(100 * ref["noise_rate"], 2),
        excess_pct_points=round(100 * excess, 2),
        p_value=p_value,
        flagged_in_noisiest=int(flagged[noisiest]),
        rows_in_noisiest=int(sizes[noisiest]),
        flagged_by=method,
        noise_rate_pct_by_source={f"noise_rate_pct[{s['source']}]": round(100 * s["noise_rate"], 2) for s in sources},
        sources=sources,
        suspects=suspects,
        teaching=teaching,
        blamed_by=blamed_by,
        taught_accuracy_pct=_pct(row, "taught_accuracy"),
        taught_reference_accuracy_pct=_pct(row, "reference_accuracy"),
        taught_drop_pct_points=_pct(row, "drop"),
        taught_drop_low_pct_points=_pct(row, "low"),
        taught_drop_high_pct_points=_pct(row, "high"),
        taught_p_value=None if row is None else row["p_value"],
        taught_reference=None if row is None else row["reference"],
        learnt_excess_pct_points=_pct(agreed, "excess"),
        learnt_excess_low_pct_points=_pct(agreed, "low"),
        learnt_excess_high_pct_points=_pct(agreed, "high"),
        learnt_p_value=None if agreed is None else agreed["p_value"],
        self_agreement_pct=_pct(agreed, "self_agreement"),
        self_val_accuracy_pct=_pct(agreed, "val_accuracy"),
        reference_self_agreement_pct=_pct(agreed, "reference_self_agreement"),
        reference_val_accuracy_pct=_pct(agreed, "reference_val_accuracy"),
        agreement=learnt,
        combined_p_value=None if row is None or agreed is None else combined_p_value(row["p_value"], agreed["p_value"]),
        disagreement_pct=_pct(contradicted, "disagreement"),
        reference_disagreement_pct=_pct(contradicted, "reference_disagreement"),
        disagreed_excess_pct_points=_pct(contradicted, "excess"),
        disagreed_excess_low_pct_points=_pct(contradicted, "low"),
        disagreed_excess_high_pct_points=_pct(contradicted, "high"),
        disagreed_p_value=None if contradicted is None else contradicted["p_value"],
        taught_disagreed_p_value=None
        if row is None or contradicted is None
        else combined_p_value(row["p_value"], contradicted["p_value"]),
        disagreement=disagreed,
    )
    return [
        Finding(
            cause="pseudo_label_noise",
            score=strength_of_evidence,
            summary=summary,
            fixes=(
                f"Drop or down-weight source '{worst['source']}', or raise its confidence threshold, and re-train.",
                f"Relabel its {len(worst_rows)} flagged rows first (finding.rows).",
                *cause_info("pseudo_label_noise").fixes[1:2],
            ),
            rows=tuple(int(r) for r in worst_rows),
            check="pseudo_label_noise.by_source",
            result=result,
        )
    ]
