"""One optimisation finding from what the check measured: its first fix ahead of the cause's default ones."""

from __future__ import annotations

from gapdoctor.causes.optimization.result import CHECK
from gapdoctor.causes.payload import Payload
from gapdoctor.causes.vocabulary import cause_info
from gapdoctor.findings import Finding

__all__ = ["optimization_finding"]


def optimization_finding(score: float, summary: str, result: Payload, first_fix: str) -> Finding:
    """An ``optimization`` finding whose fixes start with ``first_fix`` (the defaults that say the same dropped)."""
    same_advice = first_fix.split("(")[0].split(";")[0].strip()
    fixes = (first_fix, *(f for f in cause_info("optimization").fixes if not f.startswith(same_advice)))
    return Finding(cause="optimization", score=score, summary=summary, fixes=fixes, check=CHECK, result=result)
