"""Subgroup failure: some classes or groups are never learned while the others are.

The overall metric averages over sub-populations; a group given in ``groups_val`` or an
under-represented class that the model never learns caps it while the loss keeps falling
on everything else. The check measures, on the validation rows:

* with ``groups_val``, per-group **accuracy** with an exact binomial interval, and each group's
  **odds of an error over the rest's**, pooled (Mantel-Haenszel) over the validation rows and,
  with ``groups_train`` and ``train_probs``, the out-of-sample training rows, with an interval
  widened for the groups compared (Bonferroni);
* per-class **recall** (and precision), each with an exact binomial interval, and each
  class's **share of the training rows** (of the validation rows without ``y_train``);
* without ``groups_val`` but with ``X_val``, the **most atypical rows** of the validation
  features (the 10/20/30% farthest from the median row, ``slices.py``): their accuracy and
  error rate over the rest's, the interval widened for the three slices;
* the **confusion pairs** (true -> predicted) that make up most of the errors.

A slice or a class *lags* when its recall/accuracy is below the others' while those others
are fitted (at least 0.7); a group when its odds of an error exceed the rest's, at any level
of the rest (the odds ratio compares populations of a model still far from fitted as well,
and the group was named by the user, not searched for). Strength of evidence (``score.py``):
for a group, its odds ratio (twice the rest's odds, interval clear of 1, is the reporting point);
for a slice, the lower end of that ratio's interval (3, above every corpus calibration run
without a sub-population); for a class, the gap to the others' median recall (0.25,
interval clear of the others). A group or class statistic whose interval reaches "no
difference" counts one third.

Not every class is a sub-population. A class is one only when it is **rare**: under half
the median class's training rows, so the model sees it too seldom to learn it and
rebalancing (the first fix) applies. A class of ordinary frequency that lags is a hard or
confusable class, noisy labels, a model still learning, or a bug, which the label-noise,
pipeline and curve checks judge; with two classes a lagging class is the other's gain and
a matter of the decision threshold (the metric_mismatch check); with a metric that averages
over the classes (balanced accuracy, macro F1) a rare class weighs in the metric as much as any
while the loss weighs it by its rows: that gap is metric_mismatch's too. Such classes are shown
(the figure lists every class) but never reported as left behind.
With out-of-sample training probabilities, the class's training recall (a group's training
accuracy, with ``groups_train``) is shown too (low there as well: the model never learns it;
high: it does not transfer). How a group is compared, with its out-of-sample training rows, is
``groups.py``. What closing the reported sub-population's gap would gain (the validation accuracy
if its rows were classified as well as the rest's; accuracy, f1_micro and error only) is ``gain.py``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from gapdoctor.causes.gain import Gain
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.causes.subgroup_failure.gain import subgroup_gain
from gapdoctor.causes.subgroup_failure.groups import MIN_ROWS, Lag, entry, lagging_groups
from gapdoctor.causes.subgroup_failure.rates import error_ratio
from gapdoctor.causes.subgroup_failure.result import GroupRate, LaggingSubgroups
from gapdoctor.causes.subgroup_failure.score import gap_ratio, score, slice_ratio
from gapdoctor.causes.subgroup_failure.slices import ATYPICAL_SHARES, atypical_slices
from gapdoctor.causes.vocabulary import cause_info
from gapdoctor.findings import MIN_FINDING_SCORE, Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.array_types import FloatArray, IntArray
from gapdoctor.stats.budget import VALIDATION_PASS_ROWS, validation_sample
from gapdoctor.stats.confusion import confusion_matrix

_NAME = "subgroup_failure.per_class_and_group"
_FITTED = 0.7  # the others' median must reach this: the rest of the data is learned
_RARE_SHARE = 0.5
"""A class with under half the median class's training rows is under-represented: the model sees it
at most half as often as a typical class, so it can be left behind and rebalancing applies. At or
above it a lagging class is hard, mislabelled or not yet learned, not a population the data neglect."""
_MIN_CLASSES = 3  # with two classes a lagging class is the decision threshold's business (metric_mismatch)
_CLASS_AVERAGED = ("balanced_accuracy", "f1", "precision", "recall", "roc_auc", "average_precision")
"""Metrics that average over the classes (macro, with three classes or more): each class weighs
as much as any other, while the training loss weighs each row. A rare class the model leaves
behind is then the gap between objective and metric (metric_mismatch: class weights or a
decision rule matching the metric), not a population the data neglect; with a row-weighted
metric (accuracy, f1_weighted, log loss) the loss and the metric agree and it is one."""
_TOP_PAIRS = 5
_PLURAL = {"class": "classes", "group": "groups"}


def _laggards(entries: list[GroupRate], eligible: set[str] | None = None) -> list[Lag]:
    """Every class entry that lags the median of the others' recall.

    ``eligible``: the names that may be reported (None: all); every usable entry still counts
    among the others.
    """
    out: list[Lag] = []
    usable = [e for e in entries if e["n"] >= MIN_ROWS]
    if len(usable) < 2:
        return out
    for e in usable:
        if eligible is not None and e["group"] not in eligible:
            continue
        others = float(np.median([o["value"] for o in usable if o is not e]))
        gap = others - e["value"]
        if others < _FITTED or gap <= 0:
            continue
        clear = e["high"] < others
        out.append(Lag(gap_ratio(gap, clear=clear), e, others))
    return out


class _Slices(NamedTuple):
    """The atypical-rows slices: their entries, those that lag, the features each stands out in, and
    each one's (errors, rows, the rest's errors, the rest's rows) among the rows read."""

    entries: list[GroupRate]
    lags: list[Lag]
    features: dict[str, str]
    counts: dict[str, tuple[int, int, int, int]]


def _lagging_slices(evidence: Evidence) -> _Slices:
    """The atypical-rows slices (no group given): their entries, those that lag, and the features each stands out in."""
    X, y, probs = evidence.X_val, evidence.y_val, evidence.val_probs
    if X is None or y is None or probs is None or evidence.groups_val is not None:
        return _Slices([], [], {}, {})
    if len(y) * min(ATYPICAL_SHARES) < MIN_ROWS:
        return _Slices([], [], {}, {})
    rows, slices = atypical_slices(X, evidence.feature_names)
    correct = np.argmax(probs[rows], axis=1) == y[rows]
    entries: list[GroupRate] = []
    lags: list[Lag] = []
    features: dict[str, str] = {}
    counts: dict[str, tuple[int, int, int, int]] = {}
    for piece in slices:
        hits, n = int(correct[piece.mask].sum()), int(piece.mask.sum())
        rest_hits, rest_n = int(correct.sum()) - hits, len(rows) - n
        counts[piece.label] = (n - hits, n, rest_n - rest_hits, rest_n)
        piece_entry = entry(piece.label, "slice", hits, n, "accuracy")
        entries.append(piece_entry)
        features[piece.label] = piece.features
        rest = rest_hits / rest_n
        if rest < _FITTED or hits / n >= rest:
            continue
        ratio = error_ratio(n - hits, n, rest_n - rest_hits, rest_n, comparisons=len(slices))
        if slice_ratio(ratio.low) > 0:
            lags.append(Lag(slice_ratio(ratio.low), piece_entry, rest, ratio))
    return _Slices(entries, lags, features, counts)


def _group_train_accuracy(evidence: Evidence, name: str) -> float | None:
    """A group's accuracy on its training rows from the out-of-sample ``train_probs`` (None without them)."""
    if evidence.groups_train is None or evidence.train_probs is None or evidence.y_train is None:
        return None
    rows = np.flatnonzero(evidence.groups_train == name)
    if len(rows) == 0:
        return None
    return round(float(np.mean(np.argmax(evidence.train_probs[rows], axis=1) == evidence.y_train[rows])), 4)


def _training_shares(evidence: Evidence, support: IntArray) -> FloatArray:
    """Each class's rows relative to the median class's: in training, or in validation without ``y_train``."""
    counts = support if evidence.y_train is None else np.bincount(evidence.y_train, minlength=evidence.n_classes)
    present = counts[counts > 0]
    median = float(np.median(present)) if len(present) else 0.0
    return counts / median if median > 0 else np.zeros(len(counts))


def _rare_classes(evidence: Evidence, relative: FloatArray) -> set[str]:
    """The classes that count as sub-populations: rare ones, with three classes or more."""
    if evidence.n_classes < _MIN_CLASSES or evidence.metric in _CLASS_AVERAGED:
        return set()
    return {str(evidence.classes[c]) for c in range(evidence.n_classes) if relative[c] < _RARE_SHARE}


def _confusion_pairs(matrix: IntArray, classes: tuple[Any, ...]) -> list[dict[str, Any]]:
    errors = matrix.copy()
    np.fill_diagonal(errors, 0)
    total = int(errors.sum())
    if total == 0:
        return []
    order = np.argsort(errors, axis=None)[::-1][:_TOP_PAIRS]
    pairs = []
    for flat in order:
        true, pred = divmod(int(flat), len(classes))
        if errors[true, pred] == 0:
            break
        pairs.append(
            {
                "true": str(classes[true]),
                "predicted": str(classes[pred]),
                "count": int(errors[true, pred]),
                "share_of_errors": round(float(errors[true, pred]) / total, 4),
            }
        )
    return pairs


def _pair_text(pair: dict[str, Any]) -> str:
    share = 100 * pair["share_of_errors"]
    return f"{pair['true']} → {pair['predicted']}: {pair['count']} ({share:.0f}% of errors)"


@register(
    name=_NAME,
    cause="subgroup_failure",
    requires=("y_val", "val_probs"),
    description=(
        "Classes, groups or (without groups) the most atypical validation rows whose recall/accuracy lags far "
        "behind the rest."
    ),
)
def subgroup_failure_per_class_and_group(evidence: Evidence) -> list[Finding]:
    """Classes, groups or the most atypical validation rows whose recall/accuracy lags far behind the rest."""
    slice_entries, slice_lags, slice_features, slice_counts = _lagging_slices(evidence)
    evidence = validation_sample(evidence, VALIDATION_PASS_ROWS)
    assert evidence.y_val is not None and evidence.val_probs is not None
    y, classes = evidence.y_val, evidence.classes
    pred = np.asarray(np.argmax(evidence.val_probs, axis=1), dtype=np.int64)
    matrix = confusion_matrix(y, pred, evidence.n_classes)
    support = matrix.sum(axis=1)
    predicted = matrix.sum(axis=0)
    class_entries = [
        entry(str(classes[c]), "class", int(matrix[c, c]), int(support[c]), "recall")
        for c in range(evidence.n_classes)
        if support[c] > 0
    ]
    group_entries, group_lags = lagging_groups(evidence, pred == y)
    if len(class_entries) < 2 and len(group_entries) < 2:
        raise SkipCheck("needs at least two classes (or groups) with validation rows")

    train_recall: dict[str, float] = {}
    if evidence.train_confusion is not None:
        tm = evidence.train_confusion
        for c in range(evidence.n_classes):
            if tm[c].sum():
                train_recall[str(classes[c])] = round(float(tm[c, c] / tm[c].sum()), 4)

    relative = _training_shares(evidence, support)
    rare = _rare_classes(evidence, relative)
    lagging = _laggards(class_entries, rare) + group_lags
    lagging += sorted(slice_lags, key=lambda t: -t.strength)[:1]  # nested slices: the strongest speaks for them
    lagging.sort(key=lambda t: -t.strength)
    pairs = _confusion_pairs(matrix, classes)
    if not lagging:
        return []
    strength, worst, others, ratio, odds, odds_rows = lagging[0]
    strength_of_evidence = score(strength)
    if strength_of_evidence < MIN_FINDING_SCORE:
        return []
    reported = [(lag.entry, lag.others) for lag in lagging if lag.strength >= 1.0] or [(worst, others)]
    what = {"class": "Recall of class", "group": "Accuracy of group", "slice": "Accuracy of"}[worst["kind"]]
    name = worst["group"] if worst["kind"] == "slice" else repr(worst["group"])
    than = f"the other {_PLURAL[worst['kind']]}' median" if ratio is None else "the rest's"
    summary = (
        f"{what} {name} is {worst['value']:.2f} (95% interval {worst['low']:.2f}–{worst['high']:.2f}, "
        f"n={worst['n']}) while {than} is {others:.2f}"
    )
    if ratio is not None and odds is None:
        summary += (
            f": its error rate {ratio.error:.1%} is {ratio.ratio:.1f}x the rest's {ratio.rest_error:.1%} "
            f"(interval {ratio.low:.1f}–{ratio.high:.1f}x)"
        )
    if ratio is not None and odds is not None and odds_rows is not None:
        pooled = f"over its {odds_rows[0]} validation rows"
        if odds_rows[1]:
            pooled = f"pooling its {odds_rows[0]} validation and {odds_rows[1]} out-of-sample training rows"
        summary += (
            f": its error rate {ratio.error:.1%} is {ratio.ratio:.1f}x the rest's {ratio.rest_error:.1%}, "
            f"its odds of an error {odds.ratio:.1f}x the rest's (interval {odds.low:.1f}–{odds.high:.1f}x, "
            f"{pooled})"
        )
    if worst["kind"] == "slice":
        summary += (
            f", over {len(ATYPICAL_SHARES)} slices of the rows farthest from the typical row; "
            f"they are most atypical in {slice_features[worst['group']]}"
        )
    worst_train_accuracy = _group_train_accuracy(evidence, worst["group"]) if worst["kind"] == "group" else None
    if worst_train_accuracy is not None:
        summary += f"; on its training rows (out of sample) {worst_train_accuracy:.2f}"
    if worst["kind"] == "class":
        c = [str(k) for k in classes].index(worst["group"])
        where = "training" if evidence.y_train is not None else "validation"
        summary += f"; a rare class, {100 * relative[c]:.0f}% of the median class's {where} rows"
    if len(reported) > 1:
        summary += f"; {len(reported) - 1} more lag as well"
    if pairs:
        summary += (
            f". Most errors: {pairs[0]['true']} → {pairs[0]['predicted']} "
            f"({100 * pairs[0]['share_of_errors']:.0f}% of errors)."
        )
    else:
        summary += "."
    worst_precision: float | None = None
    worst_train_recall: float | None = None
    worst_share: float | None = None
    if worst["kind"] == "class":
        c = [str(k) for k in classes].index(worst["group"])
        worst_precision = round(float(matrix[c, c] / predicted[c]), 4) if predicted[c] else 0.0
        worst_train_recall = train_recall.get(worst["group"])
        worst_share = round(float(relative[c]), 4)
    result = LaggingSubgroups(
        lagging=", ".join(str(e["group"]) for e, _ in reported),
        worst=str(worst["group"]),
        worst_kind=str(worst["kind"]),
        worst_value=worst["value"],
        worst_low=worst["low"],
        worst_high=worst["high"],
        worst_n=worst["n"],
        others_median=round(others, 4),
        gap=round(others - worst["value"], 4),
        error_ratio=None if ratio is None else round(ratio.ratio, 4),
        error_ratio_low=None if ratio is None else round(ratio.low, 4),
        error_ratio_high=None if ratio is None else round(ratio.high, 4),
        odds_ratio=None if odds is None else round(odds.ratio, 4),
        odds_ratio_low=None if odds is None else round(odds.low, 4),
        odds_ratio_high=None if odds is None else round(odds.high, 4),
        odds_ratio_training_rows=None if odds_rows is None else odds_rows[1],
        worst_precision=worst_precision,
        worst_train_recall=worst_train_recall,
        worst_train_accuracy=worst_train_accuracy,
        worst_rows_vs_median_class=worst_share,
        confusion_pairs={f"confusion_pair_{i}": _pair_text(pair) for i, pair in enumerate(pairs[:3], start=1)},
        slice_features=slice_features.get(worst["group"]) if worst["kind"] == "slice" else None,
        groups=class_entries + group_entries + slice_entries,
        confusion={"classes": [str(c) for c in classes], "counts": matrix.tolist()},
    )
    names = ", ".join(repr(str(e["group"])) for e, _ in reported)
    fixes = _fixes(names) if worst["kind"] != "slice" else _slice_fixes(worst["group"], slice_features[worst["group"]])
    return [
        Finding(
            cause="subgroup_failure",
            score=strength_of_evidence,
            summary=summary,
            fixes=fixes,
            check=_NAME,
            result=result,
            gain=_gain(evidence, pred, [e for e, _ in reported], worst, slice_counts, len(rare), len(group_entries)),
        )
    ]


def _gain(
    evidence: Evidence,
    pred: IntArray,
    reported: list[GroupRate],
    worst: GroupRate,
    slice_counts: dict[str, tuple[int, int, int, int]],
    rare_classes: int,
    groups: int,
) -> Gain | None:
    """The validation metric if the reported sub-population (of the worst's kind) were served as well
    as the rest (``gain.py``), widened over those of its kind compared: the rare classes, the groups
    (two groups are one comparison, as in the check), the slices."""
    kind = worst["kind"]
    if kind == "slice":
        errors, n, rest_errors, rest_n = slice_counts[worst["group"]]
        return subgroup_gain(
            evidence.metric,
            errors=errors,
            n=n,
            rest_errors=rest_errors,
            rest_n=rest_n,
            comparisons=len(ATYPICAL_SHARES),
        )
    assert evidence.y_val is not None
    names = {str(e["group"]) for e in reported if e["kind"] == kind}
    labels = evidence.y_val if kind == "class" else evidence.groups_val
    assert labels is not None
    values, of_row = np.unique(labels, return_inverse=True)
    named = [str(evidence.classes[int(v)]) for v in values] if kind == "class" else [str(v) for v in values]
    chosen = np.array([name in names for name in named])
    inside, wrong = chosen[of_row.reshape(-1)], pred != evidence.y_val
    errors, n = int(wrong[inside].sum()), int(inside.sum())
    compared = max(rare_classes, 1) if kind == "class" else (groups if groups > 2 else 1)
    return subgroup_gain(
        evidence.metric,
        errors=errors,
        n=n,
        rest_errors=int(wrong.sum()) - errors,
        rest_n=len(wrong) - n,
        comparisons=compared,
    )


def _fixes(names: str) -> tuple[str, ...]:
    return (
        f"Rebalance towards {names}: class/group weights or oversampling of its rows.",
        f"Collect or augment data for {names}; inspect its rows for a labelling or preprocessing problem.",
        *cause_info("subgroup_failure").fixes[2:],
    )


def _slice_fixes(label: str, features: str) -> tuple[str, ...]:
    return (
        f"Inspect {label} (most atypical in {features}): another source, sensor or a corruption? "
        "Pass their source as groups_val to measure each source's metric.",
        f"Collect or augment training data like {label}, or clean or re-normalise their inputs.",
        *cause_info("subgroup_failure").fixes[2:],
    )
