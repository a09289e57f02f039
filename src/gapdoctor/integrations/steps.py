"""StepRecorder: training steps accumulated into epochs — the recording job of a recorder.

Batch losses become the epoch's weighted mean, per-step values (``grad_norm``,
``lr``...) its mean or last value, epoch values are normalised into curves; with
``all_reduce_sum`` the sums and counts are first added up across processes. The
first epoch's labels are kept in the order seen, and a :class:`TrackedRows` sample
follows chosen rows; the training dynamics of every row come from the base,
:class:`~gapdoctor.integrations.row_dynamics.RowDynamicsRecorder`.
:class:`~gapdoctor.integrations.recorder.Recorder` adds diagnosis, hooks and
checkpoints on top.

A value that is not a number is dropped on its own; per-row inputs that do not line
up switch per-row tracking off; labels that cannot be joined switch the label order
off — each reported once, the curves still recorded (see
:mod:`~gapdoctor.integrations.guard`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.inputs.history import normalise_series_name
from gapdoctor.inputs.output_heads import per_output_names
from gapdoctor.integrations.row_dynamics import RowDynamicsRecorder
from gapdoctor.integrations.sums import keep_in_step, mean_across
from gapdoctor.integrations.tracked_rows import TrackedRows
from gapdoctor.integrations.values import FloatArray, number

__all__ = ["MAX_LABEL_ORDER", "StepRecorder"]

MAX_LABEL_ORDER = 1_000_000
"""Labels of the first epoch kept for the unshuffled-data check, at most."""
_LAST_VALUE_SERIES = frozenset({"lr"})  # per-step values where the epoch keeps the last one


@lru_cache(maxsize=256)
def _series_name(raw: str) -> str | None:
    return normalise_series_name(raw)


class StepRecorder(RowDynamicsRecorder):
    """Accumulate training steps into per-epoch curves (the base of every recorder).

    Parameters
    ----------
    n_train : int or None
        Number of training rows (for per-row tracking).
    track_rows : int
        Number of training rows to follow (0: none).
    seed : int
        Seed of the followed sample.
    all_reduce_sum : callable or None
        Sums a float64 array across processes.
    """

    def __init__(
        self,
        *,
        n_train: int | None,
        track_rows: int,
        seed: int,
        all_reduce_sum: Callable[[FloatArray], FloatArray] | None,
    ) -> None:
        super().__init__(n_train=n_train)
        self.all_reduce_sum = all_reduce_sum
        self._sums_done = 0  # collectives this process took part in, this epoch
        self._step_names: set[str] = set()  # the per-step names of the last epoch closed
        self.curves: dict[str, list[float]] = {}
        self.extra_curves: dict[str, list[float]] = {}
        self.label_order: list[int | str] = []
        self._loss_sum = 0.0
        self._loss_count = 0.0
        self._step_sums: dict[str, float] = {}
        self._step_counts: dict[str, int] = {}
        self._label_order_done = False
        self._label_buffer: list[Any] = []
        self._labels_buffered = 0
        self._tracked = (
            TrackedRows(n_train=n_train, count=track_rows, seed=seed, concat=self._concat)
            if track_rows and n_train
            else None
        )
        self._tracking = self._tracked is not None

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

    @property
    def epochs(self) -> int:
        """Number of epochs recorded (every series has one value per epoch)."""
        for series in (*self.curves.values(), *self.extra_curves.values()):
            return len(series)
        return 0

    def log_batch(
        self,
        loss: Any = None,
        *,
        weight: float = 1.0,
        labels: Any = None,
        rows: Any = None,
        sample_losses: Any = None,
        predictions: Any = None,
        logits: Any = None,
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
        logits : array-like of shape (batch, n_classes), optional
            The model's raw outputs for the batch. With ``labels`` and ``rows`` (and
            ``n_train``), the training dynamics of EVERY row are recorded
            (:attr:`training_dynamics`): label-noise evidence without out-of-fold probabilities.
        **values : float
            Other per-step values (``grad_norm``, ``lr``...): averaged over the epoch,
            except the learning rate, which keeps its last value.
        """
        if not self.enabled:
            return
        try:  # inline rather than `with self.guard(...)`: this runs every step
            loss = self._take_loss(loss, weight)
            try:  # convert everything before adding anything: a bad value leaves nothing half-added
                added = None if loss is None else number(loss) * weight
                numbers = [(name, number(value)) for name, value in values.items()] if values else ()
            except Exception:
                added, weight, numbers = self._checked_numbers(loss, weight, values)
            if added is not None:
                self._loss_sum += added
                self._loss_count += weight
            for name, value in numbers:
                if _series_name(name) in _LAST_VALUE_SERIES:
                    self._step_sums[name], self._step_counts[name] = value, 1
                else:
                    self._step_sums[name] = self._step_sums.get(name, 0.0) + value
                    self._step_counts[name] = self._step_counts.get(name, 0) + 1
            # Per-row values are only kept (references, no copy) here, and processed in one
            # vectorised pass when the epoch ends or the buffer fills: cheap steps, and no
            # host-device synchronisation for tensors on an accelerator.
            if labels is not None and not self._label_order_done and self._labels_buffered < MAX_LABEL_ORDER:
                try:
                    self._labels_buffered += len(labels)
                    self._label_buffer.append(labels)
                except Exception as error:
                    self._stop_label_order("log_batch(labels=...)", error)
            if sample_losses is not None and rows is not None and self._tracking:
                try:
                    self._tracked.add(rows, self._kept(sample_losses), self._kept(predictions))  # type: ignore[union-attr]
                except Exception as error:
                    self._stop_tracking("log_batch(rows=..., sample_losses=...)", error)
            if logits is not None and labels is not None and self._dynamics_on:
                self._add_dynamics(logits, labels, rows)  # never raises: a failure switches the dynamics off
        except Exception as error:  # gapdoctor must never stop a training run
            self._fail("log_batch", error)

    def _take_loss(self, loss: Any, weight: float) -> Any:
        """The loss for :meth:`log_batch` to convert; None when an adapter added it itself (without a sync)."""
        return loss

    def _checked_numbers(
        self, loss: Any, weight: Any, values: Mapping[str, Any]
    ) -> tuple[float | None, float, list[tuple[str, float]]]:
        """The slow path of :meth:`log_batch`: each value on its own; one that is not a number is dropped.

        Returns (the loss times its weight or None, the weight, the per-step values).
        """
        added, count = None, 0.0
        if loss is not None:
            added = self._checked_number("loss", loss)
            if added is not None:
                try:
                    count = float(weight)
                    added *= count
                except Exception as error:
                    self._ignore_value("weight", error)
                    added = None
        numbers = []
        for name, value in values.items():
            converted = self._checked_number(name, value)
            if converted is not None:
                numbers.append((name, converted))
        return added, count, numbers

    def _stop_tracking(self, where: str, error: BaseException) -> None:
        self._tracking = False
        self._switch_off("per-row tracking", where, error)

    def _stop_label_order(self, where: str, error: BaseException) -> None:
        self._label_order_done = True
        self._label_buffer, self._labels_buffered = [], 0
        self._switch_off("the label order", where, error)

    def _flush_labels(self) -> None:
        if self._label_buffer:
            try:
                labels = self._concat(self._label_buffer, flat=False)
            except ValueError:  # batches of different trailing shapes
                labels = self._concat(self._label_buffer)
            if labels.ndim == 2 and labels.shape[1] > 1:  # one-hot or soft labels: the class with the most
                labels = labels.argmax(axis=1)
            self.label_order.extend(labels.reshape(len(labels), -1)[:MAX_LABEL_ORDER, 0].tolist())
            self._label_order_done = True
        self._label_buffer, self._labels_buffered = [], 0

    def _close_epoch(self, values: Mapping[str, Any]) -> None:
        self._step_names = set(self._step_sums)
        # (sum, count) per name; an explicit epoch value wins over a per-step mean.
        totals: dict[str, tuple[float, float]] = {"train_loss": (float(self._loss_sum), float(self._loss_count))}
        for step_name, total in self._step_sums.items():
            totals[step_name] = (total, float(self._step_counts[step_name]))
        for given_name, value in values.items():
            converted = math.nan if value is None else self._checked_number(given_name, value)
            if converted is None:  # dropped; under torch.distributed still sent (as nothing): same names everywhere
                if self.all_reduce_sum is not None:
                    totals[given_name] = (0.0, 0.0)
                continue
            totals[given_name] = (0.0, 0.0) if math.isnan(converted) else (converted, 1.0)
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
        self._loss_sum, self._loss_count = 0.0, 0.0
        self._step_sums, self._step_counts = {}, {}
        try:
            self._flush_labels()
        except Exception as error:
            self._stop_label_order("the label order", error)
        if self._tracked is not None:
            if self._tracking:
                try:
                    self._tracked.end_epoch(self._sum_across)
                except Exception as error:
                    self._stop_tracking("end_epoch", error)
            else:  # still in step with the other processes' sum (zeros from here)
                self._tracked.skip_epoch(self._sum_across)
            self._tracked.pad_to(index + 1)  # an epoch not tracked reads as "not measured"
        self._end_dynamics_epoch()

    def _reduce(self, totals: Mapping[str, tuple[float, float]]) -> dict[str, float]:
        """name -> sum / count, summed across processes first (see :func:`mean_across`)."""
        return mean_across(totals, self._sum_across)

    @property
    def _sum_across(self) -> Callable[[FloatArray], FloatArray] | None:
        """``all_reduce_sum``, counting the collectives of this epoch (None when not distributed)."""
        if self.all_reduce_sum is None:
            return None
        reduce_sum = self.all_reduce_sum

        def counted(values: FloatArray) -> FloatArray:
            self._sums_done += 1
            return reduce_sum(values)

        return counted

    def _stay_in_step(self, values: Mapping[str, Any]) -> None:
        """A process that stopped recording still takes part in the epoch's sums (see :func:`keep_in_step`)."""
        if self.all_reduce_sum is None:
            return
        try:
            sizes = [2 * len({"train_loss", *self._step_names, *self._step_sums, *values})]
            if self._tracked is not None:
                sizes.append(2 * len(self._tracked.rows))
        except Exception:  # never raises: the sums below are what keeps the other processes going
            sizes = []
        keep_in_step(self.all_reduce_sum, sizes[self._sums_done :])
        self._sums_done = 0

    def history(self) -> dict[str, list[float]]:
        """The recorded curves, ``name -> per-epoch values`` (NaN: not measured), with a multi-output model's
        per-output series (``digit_loss``, ``val_size_accuracy``; :mod:`gapdoctor.inputs.output_heads`).

        Epochs that an internal error left half-recorded are dropped.
        """
        epochs = min((len(values) for values in self.curves.values()), default=0)
        per_output = per_output_names(self.extra_curves) if "train_loss" in self.curves else set()
        kept = {**self.curves, **{name: self.extra_curves[name] for name in sorted(per_output)}}
        return {name: list(values[:epochs]) for name, values in kept.items() if any(math.isfinite(v) for v in values)}
