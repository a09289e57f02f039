"""The one ranking rule: findings in the order a person should act on them.

Written in DESIGN.md terms: findings are ordered by calibrated score; a root cause goes
ahead of the symptom it explains only when it is itself reported (score >= 0.5) and did not
begin after the symptom (a cause comes before its effect); an
experiment that confirmed a fix moves its finding ahead, one that refuted a finding moves
it back; and a finding shown ahead of a higher-scored one says why
(``Finding.ranked_ahead_because``). The rule reads only the causes' declarations
(``CauseInfo.explains``, ``CauseInfo.experiment_measures_fix``, a payload's
``explained_by()``) and experiment verdicts: no cause is named here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from gapdoctor.causes.payload import payload_of
from gapdoctor.causes.vocabulary import cause_info, cause_order, explained_by
from gapdoctor.findings import REPORT_THRESHOLD, Finding

__all__ = ["rank"]


def rank(findings: Sequence[Finding]) -> list[Finding]:
    """Order findings strongest first: the one ranking rule.

    1. Findings are ordered by score (ties: vocabulary order).
    2. A root cause goes ahead of a symptom it explains (its spec's ``explains``, or the
       symptom's payload's ``explained_by()``; not one the symptom's payload's ``unexplained_by()``
       rules out, nor one that began after the symptom did: both payloads' ``onset``) only when the root
       cause is itself reported
       (score >= :data:`REPORT_THRESHOLD`): among reported findings, a finding waits behind
       every reported finding that explains it, and otherwise the stronger goes first.
    3. Experiments that ran move findings within the reported ones and within the weak ones:
       a confirmed fix first, a refuted finding last. A confirmation moves a finding only when
       its cause's experiment measures a fix (``CauseInfo.experiment_measures_fix``).

    Scores are left as measured. Whenever a finding sits ahead of a higher-scored one, its
    ``ranked_ahead_because`` says why; it is None otherwise.

    Parameters
    ----------
    findings : sequence of Finding

    Returns
    -------
    list of Finding

    Examples
    --------
    >>> ranked = rank([Finding("overfitting", 0.9, "val loss turned up"), Finding("label_noise", 0.6, "30% flipped")])
    >>> [f.cause for f in ranked]
    ['label_noise', 'overfitting']
    >>> ranked[0].ranked_ahead_because
    'ahead of overfitting (score 0.90): label_noise explains it and is itself reported (score 0.60 >= 0.5)'
    """
    by_score = sorted(findings, key=lambda f: (-f.score, cause_order(f.cause)))
    reported = _roots_first([f for f in by_score if not f.weak])
    ordered = reported + [f for f in by_score if f.weak]
    ordered.sort(key=lambda f: (f.weak, _EXPERIMENT_TIER[_verdict(f)]))
    return [replace(f, ranked_ahead_because=_why_ahead(f, ordered[i + 1 :], reported)) for i, f in enumerate(ordered)]


_EXPERIMENT_TIER = {"confirmed": 0, None: 1, "inconclusive": 1, "refuted": 2}


def _explainers(finding: Finding) -> tuple[str, ...]:
    """The causes that explain ``finding``: its cause's root causes and its payload's, less those its
    payload rules out (a stored finding's payload is rebuilt from its evidence, so a stored diagnosis
    ranks as it did)."""
    payload = payload_of(finding)
    extra = () if payload is None else payload.explained_by()
    ruled_out = () if payload is None else payload.unexplained_by()
    return tuple(c for c in (*explained_by(finding.cause), *extra) if c != finding.cause and c not in ruled_out)


def _explains(root: Finding, symptom: Finding) -> bool:
    """Whether ``root`` explains ``symptom``: its cause is among the symptom's explainers and, where both payloads
    place their problem's onset, it did not begin after the symptom did (a stall that set in after the validation
    loss turned did not turn it: a real log's learning rate cut at epoch 9, its validation loss up since epoch 4)."""
    if root.cause not in _explainers(symptom):
        return False
    root_payload, symptom_payload = payload_of(root), payload_of(symptom)
    began = None if root_payload is None else root_payload.onset
    effect = None if symptom_payload is None else symptom_payload.onset
    return began is None or effect is None or began <= effect


def _roots_first(reported: list[Finding]) -> list[Finding]:
    """Reported findings (by score) with every finding placed after the reported ones that explain it."""
    remaining, placed = list(reported), []
    while remaining:
        free = [f for f in remaining if not any(_explains(r, f) for r in remaining if r is not f)]
        # a cycle of explanations (A explains B explains A) cannot be ordered by it: score decides
        chosen = free[0] if free else remaining[0]
        placed.append(chosen)
        remaining.remove(chosen)
    return placed


def _verdict(finding: Finding) -> str | None:
    verdict = None if finding.experiment is None else finding.experiment.get("verdict")
    if verdict == "confirmed" and not cause_info(finding.cause).experiment_measures_fix:
        return None  # the experiment confirms the symptom exists, not a fix: it does not move the finding
    return verdict if verdict in _EXPERIMENT_TIER else None


def _why_ahead(finding: Finding, after: list[Finding], reported: list[Finding]) -> str | None:
    """Why ``finding`` sits ahead of the higher-scored findings in ``after`` (None when none is)."""
    reasons: list[str] = []
    for other in (o for o in after if o.score > finding.score):
        head = f"ahead of {other.cause} (score {other.score:.2f}): "
        mine, theirs = _EXPERIMENT_TIER[_verdict(finding)], _EXPERIMENT_TIER[_verdict(other)]
        if mine < theirs:
            reasons.append(
                head + ("its confirming experiment confirmed it" if mine == 0 else "the experiment refuted it")
            )
            continue
        roots = [r.cause for r in reported if _explains(r, other) and r.score < other.score]
        if finding.cause in roots:
            reasons.append(
                head + f"{finding.cause} explains it and is itself reported "
                f"(score {finding.score:.2f} >= {REPORT_THRESHOLD:g})"
            )
        elif roots:
            names = ", ".join(dict.fromkeys(roots))
            reasons.append(head + f"it waits behind the reported root cause that explains it ({names})")
    return "; ".join(reasons) or None
