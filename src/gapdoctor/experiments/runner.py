"""Run the confirming experiments for the leading findings, within budget, and re-rank.

For each of the leading reported findings whose cause has an intervention, the
runner asks the intervention for a :class:`~gapdoctor.experiments.lab.Plan`, admits
plans in rank order while the fit budget and the estimated time allow, runs them (in
parallel with joblib when ``n_jobs > 1``, behind a progress bar on a terminal), turns
each outcome into ``Finding.experiment`` and ranks the findings again: confirmed
findings come first, refuted ones are demoted (:func:`gapdoctor.ranking.rank`). A plan
whose experiment applies the fix itself declares how to read the gain from its result
(``Plan.gain``); the finding then carries that measured gain when its check stated none.
Results are cached on disk, so re-running the report does not re-train.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from gapdoctor.causes.registry import load_interventions
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.experiments.lab import (
    INTERVENTIONS,
    ExperimentSettings,
    Lab,
    Outcome,
    PairedOutcome,
    Plan,
    SkipExperiment,
    judge,
    paired_interval,
)
from gapdoctor.findings import Diagnosis, Finding
from gapdoctor.fitting.cache import ExperimentCache
from gapdoctor.json_values import json_safe as _json_safe
from gapdoctor.ranking import rank
from gapdoctor.stats.metrics import METRICS

__all__ = ["prepare_lab", "run_experiments"]


def _cache_for(settings: ExperimentSettings) -> ExperimentCache | None:
    return None if settings.cache_dir is None else ExperimentCache(settings.cache_dir)


def prepare_lab(evidence: Any, settings: ExperimentSettings) -> Lab:
    """Build the :class:`Lab` for ``evidence`` (built with a model: its probabilities are complete)."""
    return Lab.prepare(evidence, settings, cache=_cache_for(settings))


def _experiment_dict(lab: Lab, plan: Plan, outcome: Outcome, seconds: float) -> dict[str, Any]:
    if isinstance(outcome, PairedOutcome):
        before, after, interval = paired_interval(lab, outcome)
        verdict = judge(lab, before, interval)
    else:
        before, after, interval, verdict = outcome.before, outcome.after, outcome.interval, outcome.verdict
    return {
        "intervention": plan.intervention,
        "before": round(float(before), 4),
        "after": round(float(after), 4),
        "interval": [round(float(interval[0]), 4), round(float(interval[1]), 4)],
        "verdict": verdict,
        "metric": lab.evidence.metric,
        "n_fits": plan.n_fits,
        "seconds": round(seconds, 3),
        "details": _json_safe(dict(outcome.details)),
    }


def _execute(lab: Lab, plan: Plan) -> dict[str, Any]:
    """Run one plan; a failing experiment is reported in the notes, never propagated."""
    started = time.perf_counter()
    try:
        outcome = plan.run()
    except GapdoctorInputError:
        raise  # the user's train function returned something unusable: they must know
    except SkipExperiment as skip:
        return {"not_run": f"skipped ({skip.reason})"}
    except Exception as error:
        return {"not_run": f"errored ({type(error).__name__}: {error})"}
    return _experiment_dict(lab, plan, outcome, time.perf_counter() - started)


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[Any]:
    if not enabled or total == 0:
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(file=sys.stderr), transient=True) as progress:
        task = progress.add_task("confirming experiments", total=total)
        yield lambda: progress.advance(task)


def _tested(finding: Finding, plan: Plan, experiment: dict[str, Any]) -> Finding:
    """``finding`` with its experiment, and the gain the experiment measured where the check stated none."""
    gain = finding.gain
    if gain is None and plan.gain is not None:
        gain = plan.gain(experiment)
    return replace(finding, experiment=experiment, gain=gain)


def run_experiments(diagnosis: Diagnosis, lab: Lab, *, enabled: bool = True) -> Diagnosis:
    """Test the leading findings by re-training and re-rank them.

    Parameters
    ----------
    diagnosis : Diagnosis
        The checks' ranked findings.
    lab : Lab
        From :func:`prepare_lab` (holds the evidence, the model and the settings).
    enabled : bool, default=True
        False only notes that the model could not be fitted, when it could not.

    Returns
    -------
    Diagnosis
        The same findings, those tested carrying ``experiment``, ranked again; the
        notes say which experiments were skipped and why.
    """
    settings = lab.settings
    notes = list(diagnosis.notes)
    if lab.problem:  # also with experiments off: the model did not give the probabilities it was for
        return replace(diagnosis, notes=(*notes, f"experiments: not run ({lab.problem})"))
    if not enabled:
        return replace(diagnosis, notes=tuple(notes))
    ev = lab.evidence
    missing = [n for n in ("X_train", "y_train", "X_val", "y_val") if getattr(ev, n) is None]
    if missing or METRICS[ev.metric].scorer is None or ev.n_classes < 2:
        why = f"needs {', '.join(missing)}" if missing else f"metric {ev.metric!r} is not computed from probabilities"
        return replace(diagnosis, notes=(*notes, f"experiments: not run ({why})"))

    cache = lab.cache
    started = time.perf_counter()
    load_interventions()
    candidates = [f for f in diagnosis.reported if f.cause in INTERVENTIONS][: settings.max_findings]
    results: dict[int, dict[str, Any]] = {}
    plans: dict[int, Plan] = {}
    admitted: list[tuple[int, Plan, str | None]] = []
    fits_left = settings.max_fits
    for index, finding in enumerate(candidates):
        try:
            plan = INTERVENTIONS[finding.cause](finding, lab)
        except SkipExperiment as skip:
            notes.append(f"experiment for {finding.cause}: skipped ({skip.reason})")
            continue
        except GapdoctorInputError:
            raise
        except Exception as error:  # planning asks the user's model for its parameters: it may fail
            notes.append(f"experiment for {finding.cause}: errored ({type(error).__name__}: {error})")
            continue
        plans[index] = plan
        key = None
        if cache is not None:
            key = cache.key(lab, {"cause": finding.cause, "intervention": plan.intervention, **dict(plan.key)})
            stored = cache.get(key)
            if stored is not None:
                results[index] = {**stored, "cached": True}
                continue
        if plan.n_fits > fits_left:
            notes.append(
                f"experiment for {finding.cause}: skipped (needs {plan.n_fits} fits, {fits_left} left of max_fits)"
            )
            continue
        fits_left -= plan.n_fits
        admitted.append((index, plan, key))

    if admitted:
        try:
            lab.baseline()  # shared by every experiment: fitted once, before any worker starts
        except GapdoctorInputError:
            raise  # the user's train function returned something unusable: they must know
        except Exception as error:  # the user's model fails on these arrays: diagnose without experiments
            why = f"the model could not be fitted ({type(error).__name__}: {error})"
            return replace(diagnosis, notes=(*notes, f"experiments: not run ({why})"))
        estimated = lab.seconds_per_fit * sum(p.n_fits for _, p, _ in admitted) / max(1, settings.n_jobs)
        budget_left = settings.max_seconds - (time.perf_counter() - started)
        while admitted and estimated > budget_left:
            index, plan, _ = admitted.pop()
            estimated -= lab.seconds_per_fit * plan.n_fits / max(1, settings.n_jobs)
            notes.append(f"experiment for {candidates[index].cause}: skipped (over the time budget)")

    show = sys.stderr.isatty() if settings.progress is None else settings.progress
    with _progress(show, len(admitted)) as advance:
        if settings.n_jobs == 1:
            for index, plan, _ in admitted:
                if time.perf_counter() - started > settings.max_seconds:
                    notes.append(f"experiment for {candidates[index].cause}: skipped (time budget spent)")
                    continue
                results[index] = _execute(lab, plan)
                if advance:
                    advance()
        else:
            from joblib import Parallel, delayed

            jobs = (delayed(_execute)(lab, plan) for _, plan, _ in admitted)
            for (index, _, _), result in zip(
                admitted, Parallel(n_jobs=settings.n_jobs, return_as="generator")(jobs), strict=True
            ):
                results[index] = result
                if advance:
                    advance()
    for index, _, key in admitted:
        result = results.get(index)
        if result is not None and "not_run" in result:
            notes.append(f"experiment for {candidates[index].cause}: {results.pop(index)['not_run']}")
        elif result is not None and cache is not None and key is not None:
            cache.put(key, result)

    tested = {id(candidates[i]): (plans[i], {**r, "cached": r.get("cached", False)}) for i, r in results.items()}
    findings: list[Finding] = [_tested(f, *tested[id(f)]) if id(f) in tested else f for f in diagnosis.findings]
    return replace(diagnosis, findings=rank(findings), notes=tuple(notes))
