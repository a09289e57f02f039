"""RowDynamicsRecorder: the training dynamics of every row — the per-row half of a recorder.

``log_batch(logits=..., labels=..., rows=...)`` feeds a
:class:`~gapdoctor.inputs.training_dynamics.TrainingDynamics` store (label-noise evidence
without out-of-fold probabilities) and learns each row's label
(:class:`~gapdoctor.integrations.row_labels.RowLabels`). The row ids come with the batch,
or from the training loader's batch sampler once :meth:`RowDynamicsRecorder.watch_loader`
follows it (:mod:`~gapdoctor.integrations.loader_rows`).
:class:`~gapdoctor.integrations.steps.StepRecorder` adds the curves on top.

Rows that cannot be known, or a batch that does not follow the loader, switch the training
dynamics off — reported once, the curves still recorded (see
:mod:`~gapdoctor.integrations.guard`).
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.inputs.training_dynamics import DynamicsSummary, TrainingDynamics
from gapdoctor.integrations.guard import Guarded
from gapdoctor.integrations.loader_rows import NO_ROW_IDS, TORCH_ADVICE, LoaderRows, cannot_watch, row_count
from gapdoctor.integrations.row_labels import RowLabels
from gapdoctor.integrations.values import as_array

__all__ = ["RowDynamicsRecorder"]


def _rows_of(values: Any) -> int:
    """Rows of a batch's labels (shape, without reading a tensor)."""
    shape = getattr(values, "shape", None)
    return int(shape[0]) if shape is not None and len(shape) else len(values)


class RowDynamicsRecorder(Guarded):
    """Record the training dynamics of every training row (the base of :class:`StepRecorder`).

    Parameters
    ----------
    n_train : int or None
        Number of training rows (None: learnt from the loader, see :meth:`learn_n_train`).
    """

    def __init__(self, *, n_train: int | None) -> None:
        super().__init__()
        self._dynamics_rows = n_train
        self._dynamics: TrainingDynamics | None = None  # created by the first batch with logits
        self._dynamics_on = True
        self._row_labels = RowLabels(self._concat)  # learning stopped by a recorder given y_train
        self._loader_rows = LoaderRows()  # row ids read from the training loader's sampler (watch_loader)

    @property
    def training_dynamics(self) -> DynamicsSummary | None:
        """Per-row AUM, forgetting events, confidence/variability of every row seen (None: no logits given).

        Recorded from ``log_batch(logits=..., labels=..., rows=...)``; 26 bytes per training
        row (see :mod:`gapdoctor.inputs.training_dynamics`). Under ``torch.distributed``
        each process holds the rows of its own shard (not reduced across processes).
        """
        dynamics = self._processed_dynamics()
        return None if dynamics is None else dynamics.summary()

    def _processed_dynamics(self) -> TrainingDynamics | None:
        """The store with every batch it keeps processed (None: off, or values that are not row or class ids)."""
        if self._dynamics is None or not self._dynamics_on:
            return None
        try:  # after the first, epochs are processed when read (or when enough are kept)
            self._dynamics.flush()
        except Exception as error:
            self._stop_dynamics("processing the training dynamics", error)
            return None
        return self._dynamics

    def _with_training_accuracy(self, history: dict[str, list[float]], epochs: int) -> dict[str, list[float]]:
        """``history`` with the training dynamics' per-epoch accuracy when the loop logged none.

        The share of each epoch's training rows whose given label led in the forward pass, as Keras
        logs ``accuracy``: beside the validation accuracy it is the label-noise fit gap
        (:mod:`gapdoctor.causes.label_noise.fit_gap`), which a loop that memorises its wrong labels
        leaves as the one trace of them. Epochs before the dynamics began read as not measured.
        """
        dynamics = self._processed_dynamics() if "train_accuracy" not in history else None
        if dynamics is None or not dynamics.epoch_accuracy or len(dynamics.epoch_accuracy) > epochs:
            return history
        missing = [math.nan] * (epochs - len(dynamics.epoch_accuracy))
        return {**history, "train_accuracy": missing + list(dynamics.epoch_accuracy)}

    def learn_n_train(self, n_rows: int) -> None:
        """Set the number of training rows for the training dynamics, learnt from the loader.

        Used by the adapters (``len(train_dataloader.dataset)``) when neither ``n_train`` nor
        ``y_train`` was given; changes nothing once the dynamics have started.
        """
        if self._dynamics is None and n_rows > 0:
            self._dynamics_rows = int(n_rows)

    def watch_loader(self, loader: Any, *, say_why: bool = True, advice: str = TORCH_ADVICE) -> bool:
        """Learn the row ids of each training batch from ``loader``'s batch sampler, and the number
        of rows (:mod:`~gapdoctor.integrations.loader_rows`). Never raises; when the rows cannot be
        known it returns False and, with ``say_why``, says why once, with ``advice``."""
        try:
            why = self._loader_rows.watch(loader)
            if why is None:
                self.learn_n_train(row_count(loader) or 0)
                return True
        except Exception as error:
            why = f"{type(error).__name__}: {error}"[:200]
        if say_why:
            self.say_once("dynamics: loader rows", cannot_watch(why, advice))
        return False

    def unwatch_loader(self) -> None:
        """Give the watched loader its own batch sampler back (never raises); batches already
        begun are still recorded, later ones need another :meth:`watch_loader`."""
        with contextlib.suppress(Exception):  # a loader that refuses its attribute back keeps the recorder
            self._loader_rows.unwatch()

    def _known_labels(self) -> Any:
        """Every training row's label when known (learnt with the logits; a recorder adds ``y_train``)."""
        return self._row_labels.labels

    @property
    def learned_labels(self) -> NDArray[np.int32] | None:
        """The given label of every training row, as seen with the logits (None: a row not seen yet).

        Lets the training dynamics be diagnosed without ``y_train``; 4 bytes per row.
        """
        self._processed_dynamics()  # rows out of range in a kept epoch stop the dynamics, and these labels
        return self._row_labels.labels if self._dynamics_on else None

    def say_once(self, key: str, message: str) -> None:
        """Log ``message`` once per ``key`` on the ``gapdoctor`` logger. Never raises."""
        self._guard.report_once(key, "%s", message)

    def _add_dynamics(self, logits: Any, labels: Any, rows: Any) -> None:
        """One batch's logits into the training dynamics (``rows`` None: from the watched loader)."""
        try:
            if rows is None and self._loader_rows.watching:  # None: a pass begun before the watch
                rows = self._loader_rows.take(_rows_of(labels), labels, self._known_labels())
            elif rows is None:
                self.say_once("dynamics: no rows", NO_ROW_IDS)
            if rows is not None:
                if self._dynamics is None:
                    self._dynamics = self._new_dynamics()
                self._dynamics.add(rows, self._kept(logits), labels)
                self._row_labels.add(rows, labels)
        except Exception as error:
            self._stop_dynamics("log_batch(logits=..., labels=..., rows=...)", error)

    def _end_dynamics_epoch(self) -> None:
        """Close the epoch of the training dynamics and of the learnt labels."""
        if self._dynamics is not None and self._dynamics_on:
            try:
                self._dynamics.end_epoch()
                self._row_labels.end_epoch(self._dynamics_rows)
            except Exception as error:
                self._stop_dynamics("end_epoch", error)

    def _kept(self, value: Any) -> Any:
        """A per-row value as it is kept until it is processed (adapters detach tensors from their graph)."""
        return value

    def _new_dynamics(self) -> TrainingDynamics:
        if not self._dynamics_rows:
            raise GapdoctorInputError(
                "logits", "were given without n_train", "pass n_train=len(train_dataset) (or y_train) to the monitor"
            )
        return TrainingDynamics(n_train=self._dynamics_rows, concat=self._concat)

    def _stop_dynamics(self, where: str, error: BaseException) -> None:
        self._dynamics_on = False
        self._dynamics = None  # a store missing batches would mislead: dropped
        self._row_labels.stop()
        self._switch_off("training dynamics", where, error)

    def _concat(self, parts: list[Any], *, flat: bool = True) -> np.ndarray[Any, Any]:
        """Join per-batch arrays along the first axis, flattened first when ``flat``.

        Adapters override it to join their framework's tensors before one conversion.
        """
        arrays = [as_array(part) for part in parts]
        return np.concatenate([a.reshape(-1) for a in arrays] if flat else arrays)
