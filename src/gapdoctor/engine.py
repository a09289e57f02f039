"""The one runner: every registered check on one subject, guarded, then ranked.

:func:`diagnose` builds a run's :class:`~gapdoctor.inputs.evidence.Evidence`,
:func:`diagnose_search` a search's :class:`~gapdoctor.inputs.trials.SearchTrials`; both
hand it to :func:`run_checks`, which runs the checks registered for that subject (each
guarded: what it raises or warns is recorded, a finding of another cause is refused),
notes the sampling each check's budget made, and ranks the findings.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gapdoctor.causes.curves import metric_choice_note
from gapdoctor.causes.registry import Check, all_checks, forget_shared_results, guarded_run
from gapdoctor.causes.small_validation_set.size_hint import val_size_note
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.findings import CheckRun, Diagnosis, Finding
from gapdoctor.inputs.arguments import input_names, own_metric_names
from gapdoctor.inputs.completion import CompletionSettings, warning_key
from gapdoctor.inputs.dask_inputs import SPLIT_ARGUMENTS, dask_arguments
from gapdoctor.inputs.evidence import Evidence, build_evidence
from gapdoctor.inputs.history_notes import history_notes
from gapdoctor.inputs.trials import SearchTrials, search_trials
from gapdoctor.ranking import rank
from gapdoctor.stats.budget import recording_sampling
from gapdoctor.stats.metrics import per_class_scores
from gapdoctor.stats.scoring import calibrated_score

if TYPE_CHECKING:
    from gapdoctor.experiments import ExperimentSettings

__all__ = ["diagnose", "diagnose_search", "run_checks"]


def run_checks(subject: Evidence | SearchTrials, checks: Iterable[Check] | None = None) -> Diagnosis:
    """Run checks on validated inputs; what a check raises or warns is recorded, never propagated.

    Parameters
    ----------
    subject : Evidence or SearchTrials
        One run's evidence, or the trials of a search.
    checks : iterable of Check, optional
        Defaults to every check registered for the subject's type.

    Returns
    -------
    Diagnosis
    """
    runs: list[CheckRun] = []
    findings: list[Finding] = []
    forget_shared_results()
    for check in all_checks(type(subject)) if checks is None else checks:
        missing = check.missing(subject)
        if missing:
            runs.append(CheckRun(check.name, check.cause, "skipped", f"needs {', '.join(missing)}"))
            continue
        sampling: list[str] = []
        run, produced = guarded_run(check.name, check.cause, partial(_sampled, check, subject, sampling))
        note = "; ".join(sampling)
        if note:  # each finding states the sampling behind its figures
            produced = [replace(f, evidence={**f.evidence, "sampling": note}) for f in produced]
            run = replace(run, note=note)
        runs.append(run)
        findings.extend(_calibrated(f) for f in produced)

    notes = tuple(
        f"{r.name}: {r.reason}"
        for r in runs
        if r.status == "skipped" and ("epoch" in r.reason or "not enough to judge" in r.reason)
    )
    if isinstance(subject, SearchTrials):
        return Diagnosis(
            findings=rank(findings), checks=runs, inputs=subject.summary(), notes=notes, curves=subject.best_curves()
        )
    evidence = subject
    if evidence.history is not None:
        history = evidence.history
        notes = (
            *history_notes(history),
            *metric_choice_note(evidence, history),
            *val_size_note(evidence, history),
            *notes,
        )
    curves = {} if evidence.history is None else evidence.history.to_dict()
    return Diagnosis(
        findings=rank(findings),
        checks=runs,
        inputs=evidence.summary(),
        notes=notes,
        curves=curves,
        per_class=_per_class(evidence),
    )


def _read_if_path(history: Any, metric: str, higher_is_better: bool | None) -> Any:
    """``history`` read from its log file or folder when it is a path (the file door, :mod:`gapdoctor.io`)."""
    if not isinstance(history, (str, os.PathLike)):
        return history
    from gapdoctor.io import read_history

    path = history if isinstance(history, str) else Path(history)  # an empty str is refused there, not read as '.'
    return read_history(path, metrics=own_metric_names(metric, higher_is_better))


def _calibrated(finding: Finding) -> Finding:
    """The finding scored by the one scoring policy (:mod:`gapdoctor.stats.scoring`); its check's own
    strength of evidence stays in ``evidence["evidence_strength"]`` when the policy changed it."""
    score = calibrated_score(finding.score)
    if score == finding.score:
        return finding
    # 6 decimals: a re-fit reads the strength back, and 4 could round a weak 0.49996 up to a reported 0.5
    return replace(finding, score=score, evidence={**finding.evidence, "evidence_strength": round(finding.score, 6)})


def _sampled(check: Check, subject: Evidence | SearchTrials, sampling: list[str]) -> list[Finding]:
    """Run one check, collecting the sampling statements its budget makes into ``sampling``."""
    with recording_sampling() as made:
        produced = check.function(subject)
    sampling.extend(made)
    return produced


def _per_class(evidence: Evidence) -> dict[str, Any]:
    """Support, precision, recall and F1 per validation class, when labels and probabilities exist."""
    if evidence.y_val is None or evidence.val_probs is None or len(evidence.y_val) == 0:
        return {}
    columns = evidence.val_probs.shape[1]
    names = [str(c) for c in evidence.classes] if len(evidence.classes) == columns else [str(j) for j in range(columns)]
    return {"classes": names, **per_class_scores(evidence.y_val, evidence.val_probs)}


def diagnose(
    *,
    history: Any = None,
    X_train: Any = None,
    y_train: Any = None,
    X_val: Any = None,
    y_val: Any = None,
    train_probs: Any = None,
    val_probs: Any = None,
    metric: str = "accuracy",
    groups_train: Any = None,
    groups_val: Any = None,
    sources_train: Any = None,
    model: Any = None,
    sample_losses: Any = None,
    sample_loss_rows: Any = None,
    train_label_order: Any = None,
    experiments: Any = None,
    val_size: int | None = None,
    higher_is_better: bool | None = None,
    training_dynamics: Any = None,
) -> Diagnosis:
    """Test every known cause of "training loss falls, validation metric stuck".

    Every argument is optional; checks whose inputs are missing are skipped, and the
    diagnosis says which and why.

    Parameters
    ----------
    history : mapping, DataFrame, str or Path, optional
        Per-epoch curves: name -> list of floats (``train_loss``, ``val_loss``,
        ``val_<metric>``, ``train_<metric>``, ``lr``...), a DataFrame with one row per
        epoch, or a path to a log file. A loop's own dict is read as collected too:
        one dict per split (``{"train": {"loss": [...]}, "val": {...}}``), a split's name
        alone (``{"train": train_losses, "val": val_losses}``), plural names, pandas'
        ``to_dict()`` (:mod:`gapdoctor.inputs.history_shapes`; the reading said in the notes).
    X_train, y_train, X_val, y_val : array-like, optional
        Features and labels of each split (numpy, pandas, torch, or Dask arrays /
        DataFrames: then the row checks run partition by partition on your Dask
        scheduler, see :mod:`gapdoctor.scale`); labels are class ids or strings.
    train_probs : array-like of shape (n_train, n_classes), optional
        Out-of-sample (e.g. cross-validated) predicted probabilities for the training rows.
    val_probs : array-like of shape (n_val, n_classes), optional
        Predicted probabilities of the final model on the validation rows.
    metric : str, default="accuracy"
        The validation metric you care about (see :data:`gapdoctor.stats.metrics.METRICS`:
        accuracy, f1, roc_auc, mcc, wer, bleu, rouge1, perplexity, map, iou, r2...). When the history
        logs several metrics but not this one, the task's headline metric of those is read (F1 before
        precision and recall, WER before CER, mAP before mAP@0.5, RMSE before MAE).
    groups_train, groups_val : array-like, optional
        A subgroup id per row.
    sources_train : array-like, optional
        Where each training label came from (``"human"``, ``"pseudo"``...).
    model : estimator or callable, optional
        An unfitted scikit-learn-style classifier (``fit`` / ``predict_proba``), or a
        train function ``train(X, y, *, config) -> predict_proba`` (see
        :mod:`gapdoctor.fitting.trainer`). Used to compute missing probabilities
        and to run the confirming experiments.
    sample_losses : array-like of shape (n_epochs, n_tracked), optional
        Per-epoch loss of tracked training rows (a training-loop integration records it).
    sample_loss_rows : array-like of int, optional
        The training-row index of each column of ``sample_losses`` (default: 0..n-1).
    train_label_order : array-like, optional
        Training labels in the order the loop saw them in one epoch.
    experiments : bool or ExperimentSettings, optional
        Confirming experiments when ``model`` is given: None or True runs them with
        default settings, an :class:`~gapdoctor.experiments.ExperimentSettings` sets
        the budget, False turns them off (missing probabilities are still computed).
    val_size : int, optional
        Number of validation rows behind the history's ``val_<metric>`` series, when
        ``y_val`` is not given (with ``y_val`` it is ``len(y_val)``).
    higher_is_better : bool, optional
        The direction of ``metric``: needed for a metric gapdoctor does not know
        (``metric="my_score", higher_is_better=True``), and overrides its own otherwise.
    training_dynamics : DynamicsSummary, optional
        Per-row training dynamics of every training row (``monitor.training_dynamics``
        of an integration given ``log_batch(logits=..., labels=..., rows=...)``): label
        noise without out-of-fold probabilities. Needs ``y_train``.

    Returns
    -------
    Diagnosis
        Findings strongest first; ``diagnosis.top`` is the leading one.

    Raises
    ------
    GapdoctorInputError
        For bad input; the message names the argument, the problem and the fix.

    Examples
    --------
    >>> import gapdoctor
    >>> d = gapdoctor.diagnose(history={
    ...     "train_loss": [1.0, 0.7, 0.5, 0.35, 0.25, 0.17, 0.11, 0.07, 0.04, 0.02],
    ...     "val_loss":   [1.0, 0.8, 0.7, 0.68, 0.70, 0.75, 0.82, 0.90, 0.99, 1.1]})
    >>> d.top.cause
    'overfitting'
    """
    arguments = dict(locals())  # first statement: exactly the parameters
    given = {name: value for name, value in arguments.items() if name in _INPUT_NAMES}
    given["history"] = _read_if_path(history, metric, higher_is_better)
    if (
        set(dask_arguments(given)) & SPLIT_ARGUMENTS
    ):  # larger than memory: read partition by partition (gapdoctor.scale)
        from gapdoctor.scale import read_partitioned

        scaled = read_partitioned(given)
        return scaled.exact.stated(_diagnose_given({**given, **scaled.arguments}, model, experiments))
    return _diagnose_given(given, model, experiments)


def _diagnose_given(given: dict[str, Any], model: Any, experiments: Any) -> Diagnosis:
    """:func:`diagnose` on in-memory arguments (``history`` already read)."""
    if model is None and (experiments is None or isinstance(experiments, bool)):
        return run_checks(build_evidence(**given))  # nothing to fit: no experiment machinery is imported
    settings = _experiment_settings(experiments)
    how = CompletionSettings(folds=settings.cv_folds, seed=settings.seed, cache_dir=settings.cache_dir)
    evidence = build_evidence(**given, completion=how)
    if evidence.model is None:
        return run_checks(evidence)
    from gapdoctor.experiments import prepare_lab, run_experiments

    completion = evidence.completion
    with warnings.catch_warnings(record=True) as caught:  # the user's model warns in our fits: say so, once
        warnings.simplefilter("always")
        lab = prepare_lab(evidence, settings)
        diagnosis = run_checks(evidence)
        note = None if completion is None else completion.note()
        if note:
            diagnosis = replace(diagnosis, notes=(*diagnosis.notes, note))
        diagnosis = run_experiments(diagnosis, lab, enabled=experiments is not False)
    said = (*(() if completion is None else completion.warnings), *(warning_key(w) for w in caught))
    return _with_model_warnings(diagnosis, said)


_INPUT_NAMES = frozenset(input_names())
"""diagnose()'s input arguments (all but ``experiments``): its signature lists exactly these (a test holds it)."""


def _with_model_warnings(diagnosis: Diagnosis, said: Iterable[str]) -> Diagnosis:
    """Warnings raised while fitting the model, as notes (distinct message, how many times)."""
    counts: dict[str, int] = {}
    for key in said:
        counts[key] = counts.get(key, 0) + 1
    if not counts:
        return diagnosis
    notes = [
        f"the model warned while gapdoctor fitted it: {k}" + (f" ({n}x)" if n > 1 else "") for k, n in counts.items()
    ]
    return replace(diagnosis, notes=(*diagnosis.notes, *notes))


def diagnose_search(
    trials: Any, *, metric: str = "accuracy", val_size: int | None = None, direction: str | None = None
) -> Diagnosis:
    """Diagnose a hyper-parameter search: are its trials ranked by noise?

    Parameters
    ----------
    trials : list of dict, DataFrame or optuna.Study
        One entry per completed trial: ``{"params": {...}, "value": float, "val_size": int,
        "history": {...}}`` (history optional, as in :func:`gapdoctor.diagnose`). A
        DataFrame may hold ``params_<name>`` columns (Optuna's ``trials_dataframe()``).
        From a Study, ``val_size`` and ``history`` are read from each trial's
        ``user_attrs``, and the reported intermediate values become ``val_<metric>``.
    metric : str, default="accuracy"
        What the trial values measure (see :data:`gapdoctor.stats.metrics.METRICS`).
    val_size : int, optional
        Validation rows behind every value, for trials that do not give their own.
    direction : {"maximize", "minimize"}, optional
        Direction of the search; by default the metric's (a Study's own direction wins).

    Returns
    -------
    Diagnosis
        Findings of cause ``search_noise``, strongest first.

    Raises
    ------
    GapdoctorInputError
        For bad input; the message names the argument.

    Examples
    --------
    >>> import gapdoctor
    >>> trials = [{"params": {"C": c}, "value": v, "val_size": 80}
    ...           for c, v in [(0.1, 0.91), (1, 0.925), (10, 0.9125), (100, 0.9)]]
    >>> gapdoctor.diagnose_search(trials).top.cause
    'search_noise'
    """
    return run_checks(search_trials(trials, metric=metric, val_size=val_size, direction=direction))


def _experiment_settings(experiments: Any) -> ExperimentSettings:
    from gapdoctor.experiments import ExperimentSettings

    if experiments is None or isinstance(experiments, bool):
        return ExperimentSettings()
    if isinstance(experiments, ExperimentSettings):
        return experiments
    raise GapdoctorInputError(
        "experiments",
        f"expected True, False or an ExperimentSettings, got {type(experiments).__name__}",
        "pass experiments=gapdoctor.ExperimentSettings(max_fits=..., max_seconds=...) or False",
    )
