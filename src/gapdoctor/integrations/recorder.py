"""Recorder: the one framework-agnostic store behind every training-loop integration.

A :class:`Recorder` collects what :func:`gapdoctor.diagnose` needs while a model
trains: per-epoch curves (batch losses averaged into epochs, validation losses and
metrics, learning rate, gradient norm), optionally the per-epoch loss and prediction of
a fixed random sample of training rows (memorisation and label-noise evidence), and the
labels of the first epoch in the order the loop saw them (the unshuffled-data check).
Each framework adapter is a short file that only translates its hooks into calls here.

One job per module: this one accumulates steps into epochs (and reduces them across
processes); :mod:`~gapdoctor.integrations.guard` keeps failures out of the loop;
:mod:`~gapdoctor.integrations.alerts` diagnoses from the loop and alerts;
:mod:`~gapdoctor.integrations.checkpoint` saves and restores the state;
:mod:`~gapdoctor.integrations.tracked_rows` follows the sampled rows;
:mod:`~gapdoctor.integrations.validation_outputs` keeps the validation outputs;
:mod:`~gapdoctor.integrations.run_log` writes the run into the run store.

Decisions
---------
- **Never hurt training.** Nothing a recorder does raises into the loop (only a user's
  ``KeyboardInterrupt`` and ``SystemExit`` pass through), and nothing it logs can raise
  either (see :mod:`~gapdoctor.integrations.guard`). A failure switches off the least
  that it must, reported once on the ``gapdoctor`` logger:

  ==================================================  ==========================================
  what failed                                          what stops
  ==================================================  ==========================================
  a value that is not a number (``loss="abc"``,        that value (the others are recorded)
  an array-valued metric)
  per-row inputs that do not line up (shapes, rows     per-row tracking (curves go on)
  outside the training set)
  labels that cannot be joined                         the label order
  early diagnosis (``diagnose_every``)                 early diagnosis
  the ``on_epoch_end`` hook                            that hook
  validation outputs that do not line up              keeping validation outputs
  the run store                                        writing into it
  anything else inside gapdoctor                       recording (training goes on)
  ==================================================  ==========================================
- **Distributed runs.** An adapter passes ``all_reduce_sum`` (sums an array across
  processes) and ``is_main_process``. Batch losses are reduced exactly (sums and
  counts); epoch values given by each process (validation metrics on its shard) are
  averaged; tracked per-row losses are summed with their counts. Only the main process
  alerts, diagnoses and calls ``on_epoch_end``. Every process must end every epoch; one
  whose recording stopped still takes part in each epoch's sums (with zeros), so a
  failure on one process never leaves the others waiting in a collective.
- **Saving.** :meth:`Recorder.state_dict` is plain JSON (no pickle);
  :meth:`Recorder.load_state_dict` resumes from it and from anything else without
  raising.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.findings import Diagnosis
from gapdoctor.integrations.alerts import AlertLog, diagnose_loop_evidence, loop_evidence, measurable, say_unseen_rows
from gapdoctor.integrations.checkpoint import STATE_VERSION, read_state, recorder_state
from gapdoctor.integrations.guard import describe
from gapdoctor.integrations.run_log import RunLog, check_store
from gapdoctor.integrations.steps import StepRecorder
from gapdoctor.integrations.stopping import StopRule, check_stop_when
from gapdoctor.integrations.validation_outputs import ValidationOutputs
from gapdoctor.integrations.values import FloatArray, as_array
from gapdoctor.stats.metrics import METRICS

__all__ = ["STATE_VERSION", "FloatArray", "Recorder"]


class Recorder(StepRecorder):
    """Record a training run for :func:`gapdoctor.diagnose`, whatever the framework.

    Parameters
    ----------
    metric : str, default="accuracy"
        The validation metric you care about (see :data:`gapdoctor.stats.metrics.METRICS`).
    n_train : int, optional
        Number of training rows; needed for per-row tracking (or give ``y_train``).
    y_train : array-like, optional
        Training labels in dataset order; passed to :meth:`diagnose` so that the
        per-row losses and the label order can be judged.
    track_rows : int, default=0
        Number of training rows (a fixed random sample) whose loss and prediction are
        recorded every epoch. 0 turns per-row tracking off.
    seed : int, default=0
        Seed of the tracked sample.
    diagnose_every : int, optional
        Diagnose the curves every this many epochs and log each new cause that crosses
        the reporting threshold. None: only when :meth:`diagnose` is called.
    on_epoch_end : callable, optional
        Called as ``on_epoch_end(recorder)`` on the main process after every epoch
        (a run store or a logger saves here). Its exceptions are guarded too.
    all_reduce_sum : callable, optional
        ``f(array) -> array`` summing a float64 array across processes (adapters set it
        under ``torch.distributed``).
    is_main_process : bool, default=True
        False on every process but rank 0: it records, reduces, and stays silent.
    store : bool, str or path, default=True
        Write the run into the run store as it trains: True the default store, a path that
        file, False nothing (see :mod:`~gapdoctor.integrations.run_log`).
    run_name : str, default="training run"
        The run's name in the store.
    stop_when : str or tuple of str, default=()
        End training when one of these causes is reported (:mod:`~gapdoctor.integrations.stopping`).

    Examples
    --------
    >>> rec = Recorder(store=False)
    >>> for epoch in range(3):
    ...     for loss in (1.0 - 0.2 * epoch, 0.9 - 0.2 * epoch):
    ...         rec.log_batch(loss)
    ...     rec.end_epoch(val_loss=1.0 - 0.1 * epoch, val_acc=0.5 + 0.1 * epoch)
    >>> rec.epochs, [round(v, 2) for v in rec.curves["train_loss"]]
    (3, [0.95, 0.75, 0.55])
    >>> sorted(rec.curves)
    ['train_loss', 'val_accuracy', 'val_loss']
    """

    def __init__(
        self,
        *,
        metric: str = "accuracy",
        n_train: int | None = None,
        y_train: Any = None,
        track_rows: int = 0,
        seed: int = 0,
        diagnose_every: int | None = None,
        on_epoch_end: Callable[[Recorder], None] | None = None,
        all_reduce_sum: Callable[[FloatArray], FloatArray] | None = None,
        is_main_process: bool = True,
        store: bool | str | os.PathLike[str] = True,
        run_name: str = "training run",
        stop_when: Any = (),
    ) -> None:
        for name, value, allowed in (
            ("n_train", n_train, "a positive number of rows, or None"),
            ("track_rows", track_rows, "a number of rows (0: none)"),
            ("seed", seed, "an integer"),
            ("diagnose_every", diagnose_every, "a number of epochs, or None"),
        ):
            if (value is not None or name in ("track_rows", "seed")) and (
                isinstance(value, bool) or not isinstance(value, (int, np.integer))
            ):
                raise GapdoctorInputError(name, f"is {value!r} ({type(value).__name__})", f"pass {allowed}")
        check_store(store, run_name)
        self.stopping = StopRule(check_stop_when(stop_when))
        if self.stopping.causes and diagnose_every is None:
            diagnose_every = 1  # stop_when reads the curves after every epoch
        if on_epoch_end is not None and not callable(on_epoch_end):
            raise GapdoctorInputError("on_epoch_end", f"is a {type(on_epoch_end).__name__}", "pass a function or None")
        labels = None if y_train is None else as_array(y_train)
        if labels is not None and n_train is not None and len(labels) != n_train:
            raise GapdoctorInputError("n_train", f"is {n_train} but y_train has {len(labels)} labels", "give one")
        n_rows = n_train if labels is None else len(labels)
        if track_rows < 0 or (track_rows and not n_rows):
            raise GapdoctorInputError(
                "track_rows",
                f"is {track_rows}, which needs a positive count and n_train or y_train",
                "pass track_rows=256 with n_train=len(train_dataset), or track_rows=0",
            )
        if metric not in METRICS:
            known = ", ".join(sorted(METRICS))
            raise GapdoctorInputError("metric", f"unknown metric {metric!r}", f"use one of {known}")
        if diagnose_every is not None and diagnose_every < 1:
            raise GapdoctorInputError("diagnose_every", f"is {diagnose_every}", "pass a positive number of epochs")
        super().__init__(n_train=n_rows, track_rows=track_rows, seed=seed, all_reduce_sum=all_reduce_sum)
        self.metric = metric
        self.y_train = labels
        self._row_labels.learning = labels is None  # the training dynamics' labels: given, or learnt from the loop
        self.n_train = n_rows
        self.diagnose_every = diagnose_every
        self.on_epoch_end = on_epoch_end
        self.is_main_process = is_main_process
        self.last_diagnosis: Diagnosis | None = None
        self._alert_log = AlertLog(self._guard)
        self.validation = ValidationOutputs(metric, say=self.say_once, switch_off=self._switch_off)
        self.run_log = RunLog(store, run_name, {"metric": metric}, self._guard)
        self._early_diagnosis_on = True
        self._hook_on = True

    def _known_labels(self) -> Any:
        return self.y_train if self.y_train is not None else super()._known_labels()

    @property
    def alerts(self) -> list[str]:
        """Each cause alerted during training (``diagnose_every``), once."""
        return self._alert_log.alerts

    def end_epoch(self, **values: Any) -> None:
        """Close the current epoch.

        Parameters
        ----------
        **values : float
            Epoch values: ``val_loss``, ``val_accuracy``, ``lr``... Any name
            :func:`gapdoctor.inputs.history.normalise_series_name` understands (``val_acc``,
            ``eval_loss``...) is normalised; other names are kept in
            :attr:`extra_curves`. A ``train_loss`` given here replaces the mean of
            the batch losses. None or NaN means "not measured this epoch"; a value that
            is not one number (a per-class array, a string) is ignored and reported once.
        """
        if not self.enabled:
            self._stay_in_step(values)  # under torch.distributed: the other processes are not left waiting
            return
        self._sums_done = 0
        try:  # try/except rather than `with self.guard(...)`: a little cheaper, once per epoch
            self._close_epoch(values)
        except Exception as error:  # gapdoctor must never stop a training run
            self._fail("end_epoch", error)
            self._stay_in_step(values)
            return
        self.validation.end_epoch(self.epochs - 1, sharded=self.all_reduce_sum is not None)
        if not self.is_main_process:
            return
        self.run_log.epoch(self.epochs - 1, {name: series[-1] for name, series in self.curves.items()})
        if self.diagnose_every and self._early_diagnosis_on and self.epochs % self.diagnose_every == 0:
            try:
                self._early_diagnosis()
            except Exception as error:
                self._early_diagnosis_on = False
                self._switch_off("early diagnosis", "early diagnosis", error)
        if self.on_epoch_end is not None and self._hook_on:
            try:
                self.on_epoch_end(self)
            except Exception as error:
                self._hook_on = False
                self._switch_off("the on_epoch_end hook", "on_epoch_end", error)

    def log_validation(self, labels: Any, *, logits: Any = None, probs: Any = None, groups: Any = None) -> None:
        """One validation batch's outputs, kept for the metric-side checks (never raises).

        The latest and the best epoch's are kept (:attr:`validation`); :meth:`diagnose` reads
        the latest as if ``val_probs=`` and ``y_val=`` had been passed.

        Parameters
        ----------
        labels : tensor or array of int
        logits, probs : tensor or array of shape (batch, n_classes), optional
            One of them (one column: of the positive class).
        groups : tensor or array, optional
            A subgroup id per row (``groups_val``).
        """
        if self.enabled:
            self.validation.log(labels=labels, logits=logits, probs=probs, groups=groups)

    # ------------------------------------------------------------- diagnosis
    def diagnose(self, **inputs: Any) -> Diagnosis:
        """Diagnose the run so far with :func:`gapdoctor.diagnose`.

        Parameters
        ----------
        **inputs
            Further arguments of :func:`gapdoctor.diagnose` (``X_val``, ``y_val``,
            ``val_probs``...). The recorded history, the tracked per-row losses and
            training dynamics and the first epoch's label order are added when ``y_train``
            is known (given, or learnt with the logits once every row was seen); one of
            these that :func:`gapdoctor.diagnose` rejects is left out (reported once).

        Returns
        -------
        Diagnosis
        """
        arguments: dict[str, Any] = {"metric": self.metric, **inputs}
        if "history" not in arguments and self.curves:
            arguments["history"] = self._with_training_accuracy(self._measurable_history(), self.epochs)
        if "y_train" not in arguments and self.y_train is not None:
            arguments["y_train"] = self.y_train
        elif "y_train" not in arguments and self.learned_labels is not None:  # seen with the logits
            arguments["y_train"] = self.learned_labels
        elif "y_train" not in arguments and (summary := self.training_dynamics) is not None:
            say_unseen_rows(self._guard, summary.seen)
        own: set[str] = set()
        if not {"val_probs", "y_val"} & set(inputs):  # kept from the loop
            for name, value in self.validation.diagnose_inputs().items():
                arguments[name] = value
                own.add(name)
        if arguments.get("y_train") is not None:
            recorded = loop_evidence(self.sample_losses, self.tracked_rows, self.label_order)
            for name, value in recorded.items():
                if name not in arguments and not (name == "sample_loss_rows" and "sample_losses" in inputs):
                    arguments[name] = value
                    own.add(name)
            dynamics = self.training_dynamics
            if "training_dynamics" not in arguments and dynamics is not None:
                arguments["training_dynamics"] = dynamics
                own.add("training_dynamics")
        diagnosis = diagnose_loop_evidence(arguments, own, self._guard)
        self.last_diagnosis = diagnosis
        return diagnosis

    def finish(self, **inputs: Any) -> Diagnosis | None:
        """End of training: on the main process, diagnose and log each reported cause once.

        Adapters call this when training ends; it never raises.

        Parameters
        ----------
        **inputs
            Passed to :meth:`diagnose`.

        Returns
        -------
        Diagnosis or None
            None on other processes, with no epoch recorded, or when diagnosing failed
            (see :attr:`errors`).
        """
        try:
            if not self.is_main_process or not self.curves:
                return None
            diagnosis = self.diagnose(**inputs)
            self._alert_log.alert(diagnosis, self.epochs)
            self.run_log.finish(diagnosis)
            return diagnosis
        except Exception as error:  # gapdoctor must never stop a training run
            try:
                line = self._guard.caught("finish", error)
                self._guard.report("gapdoctor could not diagnose the run; training is not affected. %s", line)
            except Exception:
                pass
            return None

    def _early_diagnosis(self) -> None:
        if self.epochs < 2:
            return
        diagnosis = self.diagnose(history=self._measurable_history(), y_train=None)
        self._alert_log.alert(diagnosis, self.epochs)
        self.stopping.consider(diagnosis, self.epochs, self.say_once)

    @property
    def should_stop(self) -> bool:
        """True once ``stop_when`` decided to end training (:attr:`stopping` says why)."""
        return self.stopping.decision is not None

    def _measurable_history(self) -> dict[str, list[float]]:
        """:meth:`history` for a diagnosis (see :func:`~gapdoctor.integrations.alerts.measurable`)."""
        return measurable(self.history(), self._guard)

    # ----------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """JSON-safe state to save with a checkpoint (NaN written as None); never raises.

        Returns
        -------
        dict
        """
        try:
            return recorder_state(self)
        except Exception as error:  # a checkpoint that cannot be saved would stop the run
            self._fail("state_dict", error)
            return {"version": STATE_VERSION}

    def load_state_dict(self, state: Any) -> list[str]:
        """Resume from :meth:`state_dict` output (e.g. read back from a checkpoint); never raises.

        State saved with other options (``track_rows``...), by another version, with
        keys missing or of the wrong type is restored for what fits; the rest is ignored
        and said once on the ``gapdoctor`` logger (see :mod:`~gapdoctor.integrations.checkpoint`).

        Parameters
        ----------
        state : mapping
            What :meth:`state_dict` returned.

        Returns
        -------
        list of str
            What was ignored, and why (empty when everything fitted).
        """
        try:
            restored = read_state(state, metric=self.metric, tracked=self._tracked)
            self.curves, self.extra_curves = restored.curves, restored.extra_curves
            if self._tracked is not None and restored.sample_losses is not None:
                self._tracked.losses = restored.sample_losses
                self._tracked.predictions = restored.sample_predictions or []
                self._tracked.pad_to(self.epochs)
            self.label_order = restored.label_order
            self._label_order_done = bool(self.label_order)
            self._alert_log.alerted = restored.alerted
            self._alert_log.alerts[:] = restored.alerts
            self._guard.errors[:] = restored.errors
            notes = restored.notes
        except Exception as error:  # read_state converts everything; this is the last line of defence
            notes = [f"the state could not be read ({describe(error)}): nothing restored"]
        if notes:
            self._guard.report_once(
                "load_state_dict",
                "gapdoctor resumed from a checkpoint that does not fit this recorder; training is not affected. %s.",
                "; ".join(notes),
            )
        return notes
