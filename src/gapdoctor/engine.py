"""Run every registered check on one Evidence bundle and rank what they find."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from gapdoctor.causes.registry import Check, all_checks, forget_shared_results, guarded_run
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.findings import CheckRun, Diagnosis, Finding, rank
from gapdoctor.inputs.evidence import Evidence, build_evidence
from gapdoctor.inputs.series_names import history_notes
from gapdoctor.stats.budget import recording_sampling
from gapdoctor.stats.metrics import per_class_scores

if TYPE_CHECKING:
    from gapdoctor.experiments import ExperimentSettings

__all__ = ["diagnose", "run_checks"]


def run_checks(evidence: Evidence, checks: Iterable[Check] | None = None) -> Diagnosis:
    """Run checks on validated evidence; what a check raises or warns is recorded, never propagated.

    Parameters
    ----------
    evidence : Evidence
    checks : iterable of Check, optional
        Defaults to every registered check.

    Returns
    -------
    Diagnosis
    """
    runs: list[CheckRun] = []
    findings: list[Finding] = []
    forget_shared_results()
    for check in all_checks() if checks is None else checks:
        missing = check.missing(evidence)
        if missing:
            runs.append(CheckRun(check.name, check.cause, "skipped", f"needs {', '.join(missing)}"))
            continue
        sampling: list[str] = []
        run, produced = guarded_run(check.name, check.cause, partial(_sampled, check, evidence, sampling))
        note = "; ".join(sampling)
        if note:  # each finding states the sampling behind its figures
            produced = [replace(f, evidence={**f.evidence, "sampling": note}) for f in produced]
            run = replace(run, note=note)
        runs.append(run)
        findings.extend(produced)

    notes = tuple(
        f"{r.name}: {r.reason}"
        for r in runs
        if r.status == "skipped" and ("epoch" in r.reason or "not enough to judge" in r.reason)
    )
    if evidence.history is not None:
        notes = (*history_notes(evidence.history), *notes)
    curves = {} if evidence.history is None else evidence.history.to_dict()
    return Diagnosis(
        findings=rank(findings),
        checks=runs,
        inputs=evidence.summary(),
        notes=notes,
        curves=curves,
        per_class=_per_class(evidence),
    )


def _sampled(check: Check, evidence: Evidence, sampling: list[str]) -> list[Finding]:
    """Run one check, collecting the sampling statements its budget makes into ``sampling``."""
    with recording_sampling() as made:
        produced = check.function(evidence)
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
        epoch, or a path to a log file.
    X_train, y_train, X_val, y_val : array-like, optional
        Features and labels of each split (numpy, pandas or torch); labels are class
        ids or strings.
    train_probs : array-like of shape (n_train, n_classes), optional
        Out-of-sample (e.g. cross-validated) predicted probabilities for the training rows.
    val_probs : array-like of shape (n_val, n_classes), optional
        Predicted probabilities of the final model on the validation rows.
    metric : str, default="accuracy"
        The validation metric you care about (see :data:`gapdoctor.stats.metrics.METRICS`:
        accuracy, f1, roc_auc, mcc, wer, bleu, rouge1, perplexity, map, iou, r2...).
    groups_train, groups_val : array-like, optional
        A subgroup id per row.
    sources_train : array-like, optional
        Where each training label came from (``"human"``, ``"pseudo"``...).
    model : estimator or callable, optional
        An unfitted scikit-learn-style classifier (``fit`` / ``predict_proba``), or a
        train function ``train(X, y, *, config) -> predict_proba`` (see
        :mod:`gapdoctor.experiments.trainer`). Used to compute missing probabilities
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
    settings = _experiment_settings(experiments)
    evidence = build_evidence(
        history=history,
        X_train=X_train,
        y_train=y_train,
        X_val=X_val,
        y_val=y_val,
        train_probs=train_probs,
        val_probs=val_probs,
        metric=metric,
        groups_train=groups_train,
        groups_val=groups_val,
        sources_train=sources_train,
        model=model,
        sample_losses=sample_losses,
        sample_loss_rows=sample_loss_rows,
        train_label_order=train_label_order,
        val_size=val_size,
        higher_is_better=higher_is_better,
        training_dynamics=training_dynamics,
    )
    if evidence.model is None:
        return run_checks(evidence)
    from gapdoctor.experiments import prepare_lab, run_experiments

    with warnings.catch_warnings(record=True) as caught:  # the user's model warns in our fits: say so, once
        warnings.simplefilter("always")
        lab = prepare_lab(evidence, settings)
        diagnosis = run_checks(lab.evidence)
        diagnosis = run_experiments(diagnosis, lab, enabled=experiments is not False)
    return _with_model_warnings(diagnosis, caught)


def _with_model_warnings(diagnosis: Diagnosis, caught: list[warnings.WarningMessage]) -> Diagnosis:
    """Warnings raised while fitting the model, as notes (distinct message, how many times)."""
    counts: dict[str, int] = {}
    for w in caught:
        first_line = str(w.message).strip().splitlines()[0] if str(w.message).strip() else ""
        key = f"{w.category.__name__}: {first_line[:160]}"
        counts[key] = counts.get(key, 0) + 1
    if not counts:
        return diagnosis
    notes = [
        f"the model warned while gapdoctor fitted it: {k}" + (f" ({n}x)" if n > 1 else "") for k, n in counts.items()
    ]
    return replace(diagnosis, notes=(*diagnosis.notes, *notes))


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
