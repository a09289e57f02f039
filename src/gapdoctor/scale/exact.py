"""The statistics merged over every row of the Dask splits, and how a diagnosis states them.

A diagnosis of Dask inputs runs its checks on a uniform sample of each split (all rows
when a split fits, see :data:`~gapdoctor.scale.reading.SAMPLE_ROWS`); beside it, the
partition passes give these exact figures over all rows:

- label noise: the confident joint with per-class thresholds over every training row,
  so the noise rate and its interval are those of
  :func:`~gapdoctor.causes.label_noise.confident_learning.find_label_issues` on all rows;
- leakage: validation rows identical to a training row, by row hashes;
- shift and pipeline statistics: per-feature mean and standard deviation of each split;
- metric side and subgroups: the validation confusion counts, overall and per group.

:meth:`ExactStatistics.stated` writes them into the diagnosis: ``inputs["dask"]``, a
note, each finding's evidence (keys ending in ``_all_rows``), and, where a check read a
sample, the sampling statement in its check run and findings; flagged training rows
are renumbered from the sample to the split.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from gapdoctor.causes.label_noise.confident_learning import (
    LabelIssues,
    calibrated_quota,
    joint_noise_rate,
)
from gapdoctor.causes.registry import get_check
from gapdoctor.findings import CheckRun, Diagnosis, Finding
from gapdoctor.inputs.dask_inputs import SPLITS, SplitPartitions
from gapdoctor.stats.array_types import FloatArray, IntArray
from gapdoctor.stats.partition_stats import ColumnMoments, KeyedCounts

if TYPE_CHECKING:
    from gapdoctor.scale.flagged import FlaggedRows
    from gapdoctor.scale.passes import LabelCoding

__all__ = ["ExactStatistics", "SplitStatistics"]

TRAINING_ROW_CAUSES = frozenset({"label_noise", "pseudo_label_noise", "preprocessing_leakage"})
"""Causes whose ``finding.rows`` number training rows (renumbered from the sample to the split)."""


def _merged(results: list[dict[str, Any]], key: str) -> Any:
    values = [r[key] for r in results if key in r]
    if not values:
        return None
    out = values[0]
    for value in values[1:]:
        out = out.merge(value) if hasattr(out, "merge") else out + value
    return out


@dataclass(frozen=True)
class SplitStatistics:
    """One split's merged figures; ``sample`` are the split's row indices the checks read."""

    split: str
    rows: int
    partitions: int
    sample: IntArray
    feature_names: tuple[str, ...]
    moments: ColumnMoments | None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def merged(
        cls,
        split: str,
        parts: SplitPartitions,
        first: list[dict[str, Any]],
        second: list[dict[str, Any]],
        sample: IntArray,
    ) -> SplitStatistics:
        """Merge one split's partition results."""
        moments = _merged(first, "moments")
        x_name = SPLITS[split][0]
        names = parts.columns.get(x_name)
        if names is None and moments is not None:
            names = tuple(f"x{i}" for i in range(len(moments.count)))
        extra: dict[str, Any] = {}
        for key in ("confident_joint", "unconfident", "train_rows_in_val", "confusion", "group_correct", "sources"):
            value = _merged(first + second, key)
            if value is not None:
                extra[key] = value
        matched = [r["matched_hashes"] for r in first if "matched_hashes" in r]
        if matched:
            extra["matched_hashes"] = np.unique(np.concatenate(matched))
        hashes = [r["hashes"] for r in first if "hashes" in r]
        if hashes:
            extra["hashes"] = np.concatenate(hashes)
        rows = int(sum(r["rows"] for r in first))
        return cls(split, rows, len(first), sample, names or (), moments, extra)

    @property
    def sampled(self) -> bool:
        """Whether the checks read a sample of this split rather than every row."""
        return len(self.sample) < self.rows


@dataclass(frozen=True)
class ExactStatistics:
    """Figures over every row of the Dask splits (see the module docstring)."""

    splits: dict[str, SplitStatistics]
    classes: tuple[str, ...]
    where: str
    label_issues: LabelIssues | None = None
    values: dict[str, Any] = field(default_factory=dict)
    flags: FlaggedRows | None = None

    @classmethod
    def merged(
        cls,
        splits: dict[str, SplitStatistics],
        coding: LabelCoding | None,
        thresholds: FloatArray | None,
        where: str,
        flags: FlaggedRows | None = None,
    ) -> ExactStatistics:
        """The exact figures from the merged splits."""
        classes: tuple[str, ...] = ()
        if coding is not None:
            names = [""] * coding.n_classes
            for key, i in zip(coding.keys.tolist(), coding.ids.tolist(), strict=True):
                names[i] = str(key)
            classes = tuple(names)
        train, val = splits.get("train"), splits.get("val")
        issues = None
        if train is not None and thresholds is not None and "confident_joint" in train.extra:
            joint_counts = train.extra["confident_joint"]
            unconfident = train.extra["unconfident"]
            joint, _ = calibrated_quota(joint_counts, joint_counts.sum(axis=1) + unconfident)
            empty = np.zeros(0, dtype=np.int64)
            issues = LabelIssues(
                thresholds=thresholds,
                confident_joint=joint_counts,
                unconfident=unconfident,
                joint=joint,
                rows=empty,
                suggested=empty,
                self_confidence=empty.astype(float),
                suggested_probability=empty.astype(float),
                margin=empty.astype(float),
                noise_rate=float(joint_noise_rate(joint)),
            )
        values: dict[str, Any] = {}
        if issues is not None:
            low, high = issues.noise_rate_interval()
            off = issues.joint.sum() - np.trace(issues.joint)
            values["label_noise"] = {
                "noise_rate_all_rows": round(issues.noise_rate, 6),
                "noise_rate_interval_all_rows": [round(low, 6), round(high, 6)],
                "wrong_labels_all_rows": round(float(off)),
            }
            if flags is not None:
                values["label_noise"]["flagged_rows_all_rows"] = len(flags.rows)
        if train is not None and flags is not None and "sources" in train.extra:
            values["pseudo_label_noise"] = _source_figures(train.extra["sources"], flags)
        if train is not None and val is not None and "hashes" in val.extra and "matched_hashes" in train.extra:
            duplicated = int(np.isin(val.extra["hashes"], train.extra["matched_hashes"]).sum())
            values["preprocessing_leakage"] = {
                "val_rows_copied_from_train_all_rows": duplicated,
                "val_share_copied_from_train_all_rows": round(duplicated / max(val.rows, 1), 6),
                "train_rows_copied_into_val_all_rows": int(train.extra.get("train_rows_in_val", 0)),
            }
        if train is not None and val is not None and train.moments is not None and val.moments is not None:
            values.update(_feature_figures(train, val))
        if val is not None and "confusion" in val.extra:
            values.update(_validation_figures(val.extra["confusion"], val.extra.get("group_correct")))
        return cls(splits, classes, where, issues, values, flags)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: rows, partitions and sample of each split, and the exact figures."""
        return {
            "scheduler": self.where,
            "splits": {
                s: {"rows": st.rows, "partitions": st.partitions, "rows_read_by_checks": len(st.sample)}
                for s, st in self.splits.items()
            },
            "exact": self.values,
        }

    def note(self) -> str:
        """One line for ``diagnosis.notes``."""
        parts = [
            f"{st.rows:,} {s} rows in {st.partitions} partitions"
            + (f" (row checks read a uniform sample of {len(st.sample):,})" if st.sampled else "")
            for s, st in self.splits.items()
        ]
        return f"Dask, on {self.where}: " + "; ".join(parts) + "; figures ending _all_rows are exact over every row"

    def stated(self, diagnosis: Diagnosis) -> Diagnosis:
        """``diagnosis`` with the exact figures, the sampling statements and rows renumbered to the split."""
        statements = {
            name: f"Dask: uniform sample of {len(st.sample):,} of {st.rows:,} {s} rows"
            for s, st in self.splits.items()
            if st.sampled
            for name in SPLITS[s]
        }
        checks = [_with_note(run, _statement(run.name, statements)) for run in diagnosis.checks]
        findings = [self._finding(f, _statement(f.check, statements)) for f in diagnosis.findings]
        inputs = {**diagnosis.inputs, "dask": self.to_dict()}
        return replace(
            diagnosis, findings=findings, checks=checks, inputs=inputs, notes=(*diagnosis.notes, self.note())
        )

    def _finding(self, finding: Finding, statement: str) -> Finding:
        evidence = {**finding.evidence, **self.values.get(finding.cause, {})}
        if statement:
            evidence["sampling"] = "; ".join(s for s in (evidence.get("sampling", ""), statement) if s)
        rows = finding.rows
        train = self.splits.get("train")
        if rows is not None and train is not None and train.sampled and finding.cause in TRAINING_ROW_CAUSES:
            rows = tuple(int(train.sample[r]) for r in rows)
        return replace(finding, evidence=evidence, rows=rows)


def _statement(check_name: str, statements: dict[str, str]) -> str:
    if not statements or not check_name:
        return ""
    try:
        requires = get_check(check_name).requires
    except KeyError:
        return ""
    return "; ".join(dict.fromkeys(statements[n] for n in requires if n in statements))


def _with_note(run: CheckRun, statement: str) -> CheckRun:
    if not statement or run.status == "skipped":
        return run
    return replace(run, note="; ".join(s for s in (run.note, statement) if s))


def _feature_figures(train: SplitStatistics, val: SplitStatistics) -> dict[str, Any]:
    """Largest standardised mean difference and largest SD ratio between the splits, per feature."""
    assert train.moments is not None and val.moments is not None
    if len(train.moments.count) != len(val.moments.count) or not len(train.moments.count):
        return {}
    mt, mv, st, sv = train.moments.mean, val.moments.mean, train.moments.std, val.moments.std
    pooled = np.sqrt((st**2 + sv**2) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.where(pooled > 0, np.abs(mv - mt) / pooled, 0.0)
        log_ratio = np.where((st > 0) & (sv > 0), np.abs(np.log(sv / st)), 0.0)
    shift, log_ratio = np.nan_to_num(shift), np.nan_to_num(log_ratio)
    j, r = int(np.argmax(shift)), int(np.argmax(log_ratio))
    names = train.feature_names
    return {
        "distribution_shift": {
            "largest_mean_shift_sd_all_rows": round(float(shift[j]), 6),
            "largest_mean_shift_feature_all_rows": names[j],
        },
        "pipeline_bug": {
            "largest_sd_ratio_all_rows": round(float(sv[r] / st[r]) if st[r] > 0 else 1.0, 6),
            "largest_sd_ratio_feature_all_rows": names[r],
        },
    }


def _source_figures(sources: KeyedCounts, flags: FlaggedRows) -> dict[str, Any]:
    """Flag rate of each label source over every training row."""
    flagged = np.bincount(flags.source, minlength=len(sources.keys))
    return {
        "flag_rate_by_source_all_rows": {
            str(key): round(float(flagged[i] / max(int(sources.values[i]), 1)), 6) for i, key in enumerate(sources.keys)
        },
        "rows_by_source_all_rows": {str(key): int(n) for key, n in zip(sources.keys, sources.values, strict=True)},
    }


def _validation_figures(confusion: IntArray, groups: KeyedCounts | None) -> dict[str, Any]:
    """Validation accuracy from the merged confusion counts; the worst group's accuracy."""
    accuracy = {"val_accuracy_all_rows": round(float(np.trace(confusion) / max(confusion.sum(), 1)), 6)}
    out: dict[str, Any] = {c: dict(accuracy) for c in ("metric_mismatch", "small_validation_set", "metric_saturation")}
    subgroup: dict[str, Any] = dict(accuracy)
    if groups is not None and len(groups.keys):
        rates = groups.values[:, 0] / np.maximum(groups.values[:, 1], 1)
        worst = int(np.argmin(rates))
        subgroup["worst_group_all_rows"] = str(groups.keys[worst])
        subgroup["worst_group_accuracy_all_rows"] = round(float(rates[worst]), 6)
        subgroup["worst_group_rows_all_rows"] = int(groups.values[worst, 1])
    out["subgroup_failure"] = subgroup
    return out
