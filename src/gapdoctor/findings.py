"""Finding and Diagnosis (findings are ranked in :mod:`gapdoctor.ranking`)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from gapdoctor.causes.gain import Gain, checked_gain
from gapdoctor.causes.payload import Payload
from gapdoctor.causes.vocabulary import known_causes
from gapdoctor.json_values import json_safe as _json_safe

__all__ = ["MIN_FINDING_SCORE", "REPORT_THRESHOLD", "CheckRun", "Diagnosis", "Finding"]

REPORT_THRESHOLD = 0.5
"""Findings scoring below this are kept but marked weak; a healthy run has none above."""

MIN_FINDING_SCORE = 0.05
"""A check returns no finding scoring below this: too little evidence to list, even as weak."""

_MISSING_SHOWN = 4
"""Missing inputs a "not enough to judge" verdict names (the reports list every skipped check)."""


@dataclass(frozen=True)
class Finding:
    """One piece of evidence for one cause.

    Parameters
    ----------
    cause : str
        One of :data:`gapdoctor.CAUSES`.
    score : float
        Strength of evidence in [0, 1]; 0.5 and above is reported, below is weak.
    summary : str
        The one line a person reads first.
    evidence : mapping
        name -> number or string: the figures behind the finding.
    fixes : tuple of str
        Remedies, most effective first.
    rows : tuple of int or None
        Row indices the finding is about, most suspicious first.
    experiment : mapping or None
        The confirming re-training, when one was run.
    check : str
        Name of the check that produced it.
    data : mapping
        Arrays for plots (curves, matrices), JSON-safe; not shown in the terminal.
    result : Payload or None
        The typed payload of this kind of finding (:mod:`gapdoctor.causes.payload`): its
        fields fill ``evidence`` and ``data`` (keys given explicitly win); experiments and
        figures read it. None for a finding rebuilt from JSON (see ``payload_of``).
    gain : Gain or None
        What fixing it is expected to gain on the metric, where the evidence allows a number
        (:class:`gapdoctor.causes.gain.Gain`): ``{"metric", "now", "after_fix", "interval"}``.
    ranked_ahead_because : str or None
        Set by :func:`gapdoctor.ranking.rank` when the finding sits ahead of a higher-scored one: why (a root
        cause that explains it, or an experiment's verdict). None when the order is the scores'.
    """

    cause: str
    score: float
    summary: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    fixes: tuple[str, ...] = ()
    rows: tuple[int, ...] | None = None
    experiment: Mapping[str, Any] | None = None
    check: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    result: Payload | None = field(default=None, compare=False, repr=False)
    gain: Gain | None = None
    ranked_ahead_because: str | None = None

    def __post_init__(self) -> None:
        if self.cause not in known_causes():
            raise ValueError(f"Finding.cause {self.cause!r} is not a known cause (gapdoctor.CAUSES)")
        if not (0.0 <= self.score <= 1.0) or math.isnan(self.score):
            raise ValueError(f"Finding.score must be in [0, 1], got {self.score!r}")
        object.__setattr__(self, "fixes", tuple(self.fixes))
        if self.result is not None:
            object.__setattr__(self, "evidence", {**self.result.evidence(), **self.evidence})
            object.__setattr__(self, "data", {**self.result.data(), **self.data})
        if self.rows is not None:
            object.__setattr__(self, "rows", tuple(int(r) for r in self.rows))
        if self.gain is not None:
            object.__setattr__(self, "gain", checked_gain(self.gain))

    @property
    def weak(self) -> bool:
        """True when the score is below the reporting threshold."""
        return self.score < REPORT_THRESHOLD

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary."""
        return {
            "cause": self.cause,
            "score": round(float(self.score), 4),
            "weak": self.weak,
            **({"ranked_ahead_because": self.ranked_ahead_because} if self.ranked_ahead_because else {}),
            "summary": self.summary,
            "evidence": _json_safe(self.evidence),
            "fixes": list(self.fixes),
            "rows": None if self.rows is None else list(self.rows),
            "experiment": _json_safe(self.experiment),
            "gain": None if self.gain is None else {**self.gain, "interval": list(self.gain["interval"])},
            "check": self.check,
            "data": _json_safe(self.data),
        }

    @classmethod
    def from_dict(cls, content: Mapping[str, Any]) -> Finding:
        """Rebuild a finding from :meth:`to_dict` output (a stored or exported diagnosis)."""
        rows = content.get("rows")
        return cls(
            cause=str(content["cause"]),
            score=float(content["score"]),
            summary=str(content.get("summary", "")),
            evidence=dict(content.get("evidence") or {}),
            fixes=tuple(content.get("fixes") or ()),
            rows=None if rows is None else tuple(rows),
            experiment=content.get("experiment"),
            check=str(content.get("check", "")),
            data=dict(content.get("data") or {}),
            gain=content.get("gain"),
            ranked_ahead_because=content.get("ranked_ahead_because"),
        )


@dataclass(frozen=True)
class CheckRun:
    """What happened to one registered check during a diagnosis.

    Parameters
    ----------
    name : str
    cause : str
    status : {"ran", "skipped", "errored"}
    reason : str
        Why it was skipped, the error if it errored, "" if it ran.
    seconds : float
    n_findings : int
    note : str
        How the check's budget shaped what it read, e.g. "sampled 20,000 of 1,000,000
        X_train rows"; "" when it read every row.
    warnings : tuple of str
        Distinct warnings a dependency raised inside the check, kept out of the
        user's program (empty on a clean run).
    """

    name: str
    cause: str
    status: Literal["ran", "skipped", "errored"]
    reason: str = ""
    seconds: float = 0.0
    n_findings: int = 0
    note: str = ""
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary."""
        return {
            "name": self.name,
            "cause": self.cause,
            "status": self.status,
            "reason": self.reason,
            "seconds": round(self.seconds, 4),
            "n_findings": self.n_findings,
            "note": self.note,
            **({"warnings": list(self.warnings)} if self.warnings else {}),
        }

    @classmethod
    def from_dict(cls, content: Mapping[str, Any]) -> CheckRun:
        """Rebuild from :meth:`to_dict` output."""
        return cls(
            name=str(content["name"]),
            cause=str(content["cause"]),
            status=content["status"],
            reason=str(content.get("reason", "")),
            seconds=float(content.get("seconds", 0.0)),
            n_findings=int(content.get("n_findings", 0)),
            note=str(content.get("note", "")),
            warnings=tuple(str(w) for w in content.get("warnings", ())),
        )


@dataclass(frozen=True)
class Diagnosis:
    """The ranked outcome of a diagnosis.

    Parameters
    ----------
    findings : list of Finding
        Strongest first (see :func:`gapdoctor.ranking.rank`).
    checks : list of CheckRun
        Every registered check: ran, skipped (and why) or errored.
    inputs : mapping
        What was given (sizes, series names), JSON-safe.
    notes : tuple of str
        What could not be concluded from the inputs.
    curves : mapping
        The run's per-epoch curves (name -> values), JSON-safe.
    per_class : mapping
        Per-class validation results when validation labels and probabilities were given:
        ``"classes"``, ``"support"``, ``"precision"``, ``"recall"``, ``"f1"`` (one entry per
        class, None where undefined); empty otherwise.
    """

    findings: list[Finding]
    checks: list[CheckRun]
    inputs: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    curves: Mapping[str, Any] = field(default_factory=dict)
    per_class: Mapping[str, Any] = field(default_factory=dict)

    @property
    def top(self) -> Finding | None:
        """The strongest finding, or None."""
        return self.findings[0] if self.findings else None

    @property
    def reported(self) -> list[Finding]:
        """Findings at or above the reporting threshold."""
        return [f for f in self.findings if not f.weak]

    @property
    def judged(self) -> bool:
        """False when no check could look at anything: then nothing can be concluded.

        Examples
        --------
        >>> Diagnosis([], [CheckRun("overfitting.curves", "overfitting", "skipped", "needs history")]).judged
        False
        """
        return bool(self.findings) or any(c.status == "ran" for c in self.checks)

    @property
    def healthy(self) -> bool:
        """True when checks ran and no finding reaches the reporting threshold."""
        return self.judged and not self.reported

    def missing(self) -> str:
        """What would let a check run, when none could (``""`` when one ran).

        Examples
        --------
        >>> Diagnosis([], [CheckRun("a.x", "overfitting", "skipped", "needs history"),
        ...                CheckRun("b.y", "label_noise", "skipped", "needs y_train, train_probs"),
        ...                CheckRun("c.z", "optimization", "skipped", "needs history")]).missing()
        'needs history (2 checks), y_train (1), train_probs (1)'
        """
        if self.judged:
            return ""
        wanted: dict[str, int] = {}
        alone: dict[str, int] = {}  # checks that this input alone would let run
        other: list[str] = []
        for check in self.checks:
            if check.status == "errored":
                other.append(f"{check.name} errored")
            elif check.reason.startswith("needs "):
                items = check.reason[len("needs ") :].split(", ")
                for item in items:
                    wanted[item] = wanted.get(item, 0) + 1
                    alone[item] = alone.get(item, 0) + (len(items) == 1)
            elif check.reason and check.reason not in other:
                other.append(check.reason)
        ranked = sorted(wanted.items(), key=lambda kv: (-alone[kv[0]], -kv[1]))
        needs = ", ".join(
            f"{name} ({n} check{'s' if n > 1 else ''})" if i == 0 else f"{name} ({n})"
            for i, (name, n) in enumerate(ranked[:_MISSING_SHOWN])
        )
        parts = [*other[:_MISSING_SHOWN], *([f"needs {needs}"] if needs else [])]
        return "; ".join(parts) or "no check is registered"

    def verdict(self) -> str:
        """The diagnosis in one sentence."""
        from gapdoctor.causes.vocabulary import cause_info

        if not self.judged:
            return f"Not enough to judge: no check could run ({self.missing()})."
        if self.healthy:
            ran = sum(c.status == "ran" for c in self.checks)
            return f"No cause reaches the reporting threshold ({ran} checks ran)."
        top = self.reported[0]
        causes = list(dict.fromkeys(f.cause for f in self.reported))  # a cause with two findings is named once
        others = [cause_info(cause).title.lower() for cause in causes[1:3]]
        tail = f"; also {', '.join(others)}" if others else ""
        return f"Most likely cause: {cause_info(top.cause).title.lower()} (score {top.score:.2f}){tail}."

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary of the whole diagnosis."""
        return {
            "verdict": self.verdict(),
            "judged": self.judged,
            "healthy": self.healthy,
            "findings": [f.to_dict() for f in self.findings],
            "checks": [c.to_dict() for c in self.checks],
            "inputs": _json_safe(self.inputs),
            "notes": list(self.notes),
            "curves": _json_safe(self.curves),
            "per_class": _json_safe(self.per_class),
        }

    @classmethod
    def from_dict(cls, content: Mapping[str, Any]) -> Diagnosis:
        """Rebuild a diagnosis from :meth:`to_dict` output, e.g. to render a stored one again.

        Findings keep their stored order (already ranked).

        Examples
        --------
        >>> d = Diagnosis([Finding("overfitting", 0.8, "val loss turned up")], [])
        >>> Diagnosis.from_dict(d.to_dict()).to_dict() == d.to_dict()
        True
        """
        return cls(
            findings=[Finding.from_dict(f) for f in content.get("findings") or ()],
            checks=[CheckRun.from_dict(c) for c in content.get("checks") or ()],
            inputs=dict(content.get("inputs") or {}),
            notes=tuple(content.get("notes") or ()),
            curves=dict(content.get("curves") or {}),
            per_class=dict(content.get("per_class") or {}),
        )

    def to_json(self, path: str | Path | None = None, *, indent: int = 2) -> str:
        """Serialise to JSON; also write it to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=indent)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def rows_table(self, *, y_train: Any = None, train_probs: Any = None) -> list[dict[str, Any]]:
        """Every row a finding flags, one record per (finding, row), most suspicious first.

        See :func:`gapdoctor.report.rows.rows_table` for the columns, and for how ``y_train``
        and ``train_probs`` fill in the rows beyond those the finding details; write it with
        ``gapdoctor diagnose ... --rows OUT.csv`` or :func:`gapdoctor.report.rows.write_rows_csv`.
        """
        from gapdoctor.report.rows import rows_table

        return rows_table(self, y_train=y_train, train_probs=train_probs)

    def render(self, *, width: int = 100, color: bool = False) -> str:
        """The terminal report as text (see :mod:`gapdoctor.report.terminal`)."""
        from gapdoctor.report.terminal import render_text

        return render_text(self, width=width, color=color)

    def to_html(self, path: str | Path) -> Path:
        """Write the self-contained HTML report to ``path`` and return the path."""
        from gapdoctor.report.html import write_html

        return write_html(self, Path(path))

    def __str__(self) -> str:
        return self.render()
