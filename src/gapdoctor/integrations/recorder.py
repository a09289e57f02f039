"""Recorder: the one framework-agnostic store behind every training-loop integration.

A :class:`Recorder` collects what :func:`gapdoctor.diagnose` needs while a model
trains: per-epoch curves (batch losses averaged into epochs, validation losses and
metrics, learning rate, gradient norm), optionally the per-epoch loss and prediction of
a fixed random sample of training rows (memorisation and label-noise evidence), and the
labels of the first epoch in the order the loop saw them (the unshuffled-data check).
Each framework adapter is a short file that only translates its hooks into calls here.

Decisions
---------
- **Never hurt training.** Every call from a training loop runs inside :meth:`guard`:
  an exception inside gapdoctor is caught, stored in :attr:`Recorder.errors`, reported
  once as a logged warning, and the recorder stops recording; training goes on.
- **Reports go through logging**, logger ``"gapdoctor"``, level WARNING, never through
  :mod:`warnings`: a test suite running with warnings-as-errors would otherwise turn a
  report into an exception inside the user's training loop. Python prints WARNING
  records to stderr when logging is not configured, so they are seen by default.
- **Early diagnosis.** With ``diagnose_every=K`` the curves are diagnosed every K epochs
  (curves only: cheap) and each cause that crosses the reporting threshold is logged
  once, e.g. "overfitting began at epoch 14; best val accuracy at epoch 12". Alerts are
  also kept in :attr:`Recorder.alerts`.
- **Distributed runs.** An adapter passes ``all_reduce_sum`` (sums an array across
  processes) and ``is_main_process``. Batch losses are reduced exactly (sums and
  counts); epoch values given by each process (validation metrics on its shard) are
  averaged; tracked per-row losses are summed with their counts. Only the main process
  alerts, diagnoses and calls ``on_epoch_end``. Every process must end every epoch.
- **Saving.** :meth:`state_dict` is plain JSON (no pickle); :meth:`load_state_dict`
  resumes from it. ``on_epoch_end(recorder)`` is the hook a run store or a logger uses
  to save each epoch as it ends.
"""

from __future__ import annotations

import logging
import math
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.findings import Diagnosis
from gapdoctor.history import normalise_series_name
from gapdoctor.integrations.tracked_rows import TrackedRows
from gapdoctor.metrics import METRICS

__all__ = ["Recorder"]

logger = logging.getLogger("gapdoctor")

FloatArray = NDArray[np.float64]
STATE_VERSION = 1
MAX_LABEL_ORDER = 1_000_000
"""Labels of the first epoch kept for the unshuffled-data check, at most."""
_LAST_VALUE_SERIES = frozenset({"lr"})  # per-step values where the epoch keeps the last one


def _number(value: Any) -> float:
    """A loss/metric as float: Python numbers, numpy scalars, 0-d tensors and arrays of any backend."""
    return float(value.item() if hasattr(value, "item") else value)


def _as_array(value: Any) -> np.ndarray[Any, Any]:
    if hasattr(value, "detach"):  # torch.Tensor, without importing torch
        value = value.detach().cpu().numpy()
    return np.asarray(value)


@lru_cache(maxsize=256)
def _series_name(raw: str) -> str | None:
    return normalise_series_name(raw)


def _json_float(value: float) -> float | None:
    return value if math.isfinite(value) else None


class Recorder:
    """Record a training run for :func:`gapdoctor.diagnose`, whatever the framework.

    Parameters
    ----------
    metric : str, default="accuracy"
        The validation metric you care about (see :data:`gapdoctor.metrics.METRICS`).
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

    Examples
    --------
    >>> rec = Recorder()
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
    ) -> None:
        labels = None if y_train is None else _as_array(y_train)
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
        self.metric = metric
        self.y_train = labels
        self.n_train = n_rows
        self.diagnose_every = diagnose_every
        self.on_epoch_end = on_epoch_end
        self.all_reduce_sum = all_reduce_sum
        self.is_main_process = is_main_process
        self.curves: dict[str, list[float]] = {}
        self.extra_curves: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.alerts: list[str] = []
        self.last_diagnosis: Diagnosis | None = None
        self.label_order: list[int | str] = []
        self.enabled = True
        self._alerted: set[str] = set()
        self._loss_sum = 0.0
        self._loss_count = 0.0
        self._step_sums: dict[str, float] = {}
        self._step_counts: dict[str, int] = {}
        self._label_order_done = False
        self._label_buffer: list[Any] = []
        self._labels_buffered = 0
        self._tracked = (
            TrackedRows(n_train=n_rows, count=track_rows, seed=seed, concat=self._concat)
            if track_rows and n_rows
            else None
        )

    @property
    def tracked_rows(self) -> NDArray[np.int64]:
        """Training-row index of each tracked row (empty when tracking is off)."""
        return np.zeros(0, dtype=np.int64) if self._tracked is None else self._tracked.rows

    @property
    def sample_losses(self) -> list[list[float]]:
        """Per epoch, the mean loss of each tracked row (NaN: not seen that epoch)."""
        return [] if self._tracked is None else self._tracked.losses

    @property
    def sample_predictions(self) -> list[list[int]]:
        """Per epoch, the last predicted class id of each tracked row (-1: none given)."""
        return [] if self._tracked is None else self._tracked.predictions

    # ------------------------------------------------------------------ guard
    @contextmanager
    def guard(self, where: str) -> Iterator[None]:
        """Run a block for the training loop: any exception is caught and reported once.

        Parameters
        ----------
        where : str
            What was being done (``"on_train_batch_end"``...), for the report.
        """
        try:
            yield
        except Exception as error:  # gapdoctor must never stop a training run
            self._fail(where, error)

    def _fail(self, where: str, error: BaseException) -> None:
        last = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
        at = f" (at {last.filename.rsplit('/', 1)[-1]}:{last.lineno})" if last else ""
        message = f"{where}: {type(error).__name__}: {error}{at}"
        self.errors.append(message)
        if len(self.errors) == 1:
            self.enabled = False
            logger.warning(
                "gapdoctor stopped recording after epoch %d because of an internal error; training continues. %s",
                self.epochs,
                message,
            )

    # ------------------------------------------------------------- recording
    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(next(iter(self.curves.values()))) if self.curves else 0

    def log_batch(
        self,
        loss: Any = None,
        *,
        weight: float = 1.0,
        labels: Any = None,
        rows: Any = None,
        sample_losses: Any = None,
        predictions: Any = None,
        **values: Any,
    ) -> None:
        """Record one training step.

        Parameters
        ----------
        loss : float or 0-d tensor, optional
            The batch's mean training loss; epochs get the weighted mean.
        weight : float, default=1.0
            Weight of this batch in the epoch mean (e.g. its number of rows).
        labels : array-like, optional
            The batch's labels, kept for the first epoch (label order evidence).
        rows : array-like of int, optional
            Training-row index of each row in the batch (needed for per-row tracking).
        sample_losses : array-like, optional
            Per-row losses of the batch (``reduction="none"``), aligned with ``rows``.
        predictions : array-like, optional
            Per-row predicted class ids (or logits/probabilities: argmax is taken).
        **values : float
            Other per-step values (``grad_norm``, ``lr``...): averaged over the epoch,
            except the learning rate, which keeps its last value.
        """
        if not self.enabled:
            return
        try:  # inline rather than `with self.guard(...)`: this runs every step
            if loss is not None:
                self._loss_sum += _number(loss) * weight
                self._loss_count += weight
            for name, value in values.items():
                self._step_sums[name] = self._step_sums.get(name, 0.0) + _number(value)
                self._step_counts[name] = self._step_counts.get(name, 0) + 1
                if _series_name(name) in _LAST_VALUE_SERIES:
                    self._step_sums[name] = _number(value)
                    self._step_counts[name] = 1
            # Per-row values are only kept (references, no copy) here, and processed in one
            # vectorised pass when the epoch ends or the buffer fills: cheap steps, and no
            # host-device synchronisation for tensors on an accelerator.
            if labels is not None and not self._label_order_done and self._labels_buffered < MAX_LABEL_ORDER:
                self._label_buffer.append(labels)
                self._labels_buffered += len(labels)
            if sample_losses is not None and rows is not None and self._tracked is not None:
                self._tracked.add(rows, sample_losses, predictions)
        except Exception as error:  # gapdoctor must never stop a training run
            self._fail("log_batch", error)

    def _concat(self, parts: list[Any], *, flat: bool = True) -> np.ndarray[Any, Any]:
        """Join per-batch arrays along the first axis, flattened first when ``flat``.

        Adapters override it to join their framework's tensors before one conversion.
        """
        arrays = [_as_array(part) for part in parts]
        return np.concatenate([a.reshape(-1) for a in arrays] if flat else arrays)

    def _flush_labels(self) -> None:
        if self._label_buffer:
            labels = self._concat(self._label_buffer)
            self.label_order.extend(labels[:MAX_LABEL_ORDER].tolist())
            self._label_order_done = True
        self._label_buffer, self._labels_buffered = [], 0

    def end_epoch(self, **values: Any) -> None:
        """Close the current epoch.

        Parameters
        ----------
        **values : float
            Epoch values: ``val_loss``, ``val_accuracy``, ``lr``... Any name
            :func:`gapdoctor.history.normalise_series_name` understands (``val_acc``,
            ``eval_loss``...) is normalised; other names are kept in
            :attr:`extra_curves`. A ``train_loss`` given here replaces the mean of
            the batch losses. None or NaN means "not measured this epoch".
        """
        if not self.enabled:
            return
        where = "end_epoch"
        try:  # try/except rather than `with self.guard(...)`: a little cheaper, once per epoch
            self._close_epoch(values)
            if self.is_main_process:
                where = "on_epoch_end"
                if self.diagnose_every and self.epochs % self.diagnose_every == 0:
                    self._early_diagnosis()
                if self.on_epoch_end is not None:
                    self.on_epoch_end(self)
        except Exception as error:  # gapdoctor must never stop a training run
            self._fail(where, error)

    def _close_epoch(self, values: Mapping[str, Any]) -> None:
        # (sum, count) per name; an explicit epoch value wins over a per-step mean.
        totals: dict[str, tuple[float, float]] = {"train_loss": (self._loss_sum, self._loss_count)}
        for step_name, total in self._step_sums.items():
            totals[step_name] = (total, float(self._step_counts[step_name]))
        for given_name, value in values.items():
            number = math.nan if value is None else _number(value)
            totals[given_name] = (0.0, 0.0) if math.isnan(number) else (number, 1.0)
        epoch_values = self._reduce(totals)
        index = self.epochs
        for raw, value in epoch_values.items():
            name = _series_name(raw)
            if name == "":
                continue
            target = self.extra_curves if name is None else self.curves
            key = raw if name is None else name
            series = target.setdefault(key, [math.nan] * index)
            if len(series) > index:  # two raw names meaning the same series: the later wins
                series[index] = value
            else:
                series.append(value)
        for target in (self.curves, self.extra_curves):
            for series in target.values():
                series.extend([math.nan] * (index + 1 - len(series)))
        self._flush_labels()
        if self._tracked is not None:
            self._tracked.end_epoch(self.all_reduce_sum)
        self._loss_sum, self._loss_count = 0.0, 0.0
        self._step_sums, self._step_counts = {}, {}

    def _reduce(self, totals: Mapping[str, tuple[float, float]]) -> dict[str, float]:
        """name -> sum / count, the sums and counts first added up across processes.

        Batch losses are thereby averaged exactly; a value each process gives once per
        epoch (its shard's validation metric) becomes the mean over processes. Every
        process must log the same names; they are sent in sorted order.
        """
        if self.all_reduce_sum is None:
            return {
                name: (value_sum / count if count else math.nan)
                for name, (value_sum, count) in totals.items()
                if count or name != "train_loss"
            }
        names = sorted(totals)
        local = np.asarray([x for name in names for x in totals[name]], dtype=np.float64)
        summed = self.all_reduce_sum(local)
        out: dict[str, float] = {}
        for i, name in enumerate(names):
            value_sum, count = float(summed[2 * i]), float(summed[2 * i + 1])
            if count or name != "train_loss":
                out[name] = value_sum / count if count else math.nan
        return out

    # ------------------------------------------------------------- diagnosis
    def history(self) -> dict[str, list[float]]:
        """The recorded curves, ``name -> per-epoch values`` (NaN: not measured).

        Epochs that an internal error left half-recorded are dropped.
        """
        epochs = min((len(values) for values in self.curves.values()), default=0)
        return {
            name: list(values[:epochs]) for name, values in self.curves.items() if any(math.isfinite(v) for v in values)
        }

    def diagnose(self, **inputs: Any) -> Diagnosis:
        """Diagnose the run so far with :func:`gapdoctor.diagnose`.

        Parameters
        ----------
        **inputs
            Further arguments of :func:`gapdoctor.diagnose` (``X_val``, ``y_val``,
            ``val_probs``...). The recorded history, the tracked per-row losses (when
            ``y_train`` is known) and the first epoch's label order are added.

        Returns
        -------
        Diagnosis
        """
        from gapdoctor.engine import diagnose

        arguments: dict[str, Any] = {"metric": self.metric, **inputs}
        if "history" not in arguments and self.curves:
            arguments["history"] = self.history()
        if "y_train" not in arguments and self.y_train is not None:
            arguments["y_train"] = self.y_train
        if arguments.get("y_train") is not None:
            if self.sample_losses and "sample_losses" not in arguments:
                losses = np.asarray(self.sample_losses, dtype=np.float64)
                arguments["sample_losses"] = losses
                arguments["sample_loss_rows"] = self.tracked_rows
            if self.label_order and "train_label_order" not in arguments:
                arguments["train_label_order"] = np.asarray(self.label_order)
        diagnosis = diagnose(**arguments)
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
        if not self.is_main_process or not self.curves:
            return None
        with self.guard("finish"):
            diagnosis = self.diagnose(**inputs)
            self._alert(diagnosis)
            return diagnosis
        return None

    def _alert(self, diagnosis: Diagnosis) -> None:
        for finding in diagnosis.reported:
            if finding.cause in self._alerted:
                continue
            self._alerted.add(finding.cause)
            message = f"epoch {self.epochs}: {finding.cause} (score {finding.score:.2f}): {self._headline(finding)}"
            self.alerts.append(message)
            logger.warning("gapdoctor: %s", message)

    def _early_diagnosis(self) -> None:
        if self.epochs < 2:
            return
        self._alert(self.diagnose(history=self.history(), y_train=None))

    @staticmethod
    def _headline(finding: Any) -> str:
        figures = finding.evidence
        if finding.cause == "overfitting" and "best_epoch" in figures:
            began = figures.get("gap_onset_epoch", figures.get("val_loss_min_epoch", figures["best_epoch"]))
            what = f"val {figures['metric']}" if "metric" in figures else "val loss"
            return f"overfitting began at epoch {began}; best {what} at epoch {figures['best_epoch']}"
        return str(finding.summary)

    # ----------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """JSON-safe state to save with a checkpoint (NaN written as None).

        Returns
        -------
        dict
        """

        def plain(series: Mapping[str, list[float]]) -> dict[str, list[float | None]]:
            return {name: [_json_float(v) for v in values] for name, values in series.items()}

        return {
            "version": STATE_VERSION,
            "metric": self.metric,
            "curves": plain(self.curves),
            "extra_curves": plain(self.extra_curves),
            "tracked": None if self._tracked is None else self._tracked.state_dict(),
            "label_order": self.label_order,
            "alerted": sorted(self._alerted),
            "alerts": self.alerts,
            "errors": self.errors,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Resume from :meth:`state_dict` output (e.g. read back from a checkpoint).

        Parameters
        ----------
        state : mapping
        """
        if state.get("version") != STATE_VERSION:
            raise GapdoctorInputError(
                "state", f"has version {state.get('version')!r}, expected {STATE_VERSION}", "save it with this version"
            )

        def floats(series: Mapping[str, list[float | None]]) -> dict[str, list[float]]:
            return {name: [math.nan if v is None else float(v) for v in values] for name, values in series.items()}

        if (state["tracked"] is None) != (self._tracked is None):
            raise GapdoctorInputError(
                "state", "per-row tracking is on in one of the state and this recorder only", "use the same track_rows"
            )
        if self._tracked is not None:
            self._tracked.load_state_dict(state["tracked"])
        self.metric = str(state["metric"])
        self.curves = floats(state["curves"])
        self.extra_curves = floats(state["extra_curves"])
        self.label_order = list(state["label_order"])
        self._label_order_done = bool(self.label_order)
        self._alerted = set(state["alerted"])
        self.alerts = list(state["alerts"])
        self.errors = list(state["errors"])
