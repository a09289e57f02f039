"""Run every registered check on one Evidence bundle and rank what they find."""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from gapdoctor.checks import Check, SkipCheck, all_checks
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.evidence import Evidence, build_evidence
from gapdoctor.findings import CheckRun, Diagnosis, Finding, rank

if TYPE_CHECKING:
    from gapdoctor.experiments import ExperimentSettings

__all__ = ["diagnose", "run_checks"]


def run_checks(evidence: Evidence, checks: Iterable[Check] | None = None) -> Diagnosis:
    """Run checks on validated evidence; a check that raises is recorded, never propagated.

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
    for check in all_checks() if checks is None else checks:
        missing = check.missing(evidence)
        if missing:
            runs.append(CheckRun(check.name, check.cause, "skipped", f"needs {', '.join(missing)}"))
            continue
        started = time.perf_counter()
        try:
            produced = check.function(evidence)
        except SkipCheck as skip:
            runs.append(CheckRun(check.name, check.cause, "skipped", skip.reason, time.perf_counter() - started))
            continue
        except Exception as error:  # a broken check must not take the diagnosis down
            last = traceback.extract_tb(error.__traceback__)[-1]
            reason = f"{type(error).__name__}: {error} (at {last.filename.rsplit('/', 1)[-1]}:{last.lineno})"
            runs.append(CheckRun(check.name, check.cause, "errored", reason, time.perf_counter() - started))
            continue
        wrong = [f.cause for f in produced if f.cause != check.cause]
        if wrong:
            runs.append(
                CheckRun(
                    check.name,
                    check.cause,
                    "errored",
                    f"returned findings for {wrong}, not its own cause {check.cause!r}",
                    time.perf_counter() - started,
                )
            )
            continue
        findings.extend(produced)
        runs.append(CheckRun(check.name, check.cause, "ran", "", time.perf_counter() - started, len(produced)))

    notes = tuple(f"{r.name}: {r.reason}" for r in runs if r.status == "skipped" and "epoch" in r.reason)
    curves = {} if evidence.history is None else evidence.history.to_dict()
    return Diagnosis(findings=rank(findings), checks=runs, inputs=evidence.summary(), notes=notes, curves=curves)


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
        The validation metric you care about (see :data:`gapdoctor.metrics.METRICS`).
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
        training_dynamics=training_dynamics,
    )
    if evidence.model is None:
        return run_checks(evidence)
    from gapdoctor.experiments import prepare_lab, run_experiments

    lab = prepare_lab(evidence, settings)
    diagnosis = run_checks(lab.evidence)
    return run_experiments(diagnosis, lab, enabled=experiments is not False)


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
