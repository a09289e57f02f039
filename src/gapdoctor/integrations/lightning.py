"""PyTorch Lightning: ``GapdoctorCallback``, a ``lightning.pytorch.Callback``.

::

    from gapdoctor.integrations.lightning import GapdoctorCallback
    doctor = GapdoctorCallback(diagnose_every=5)
    trainer = L.Trainer(callbacks=[doctor], ...)
    trainer.fit(model, train_loader, val_loader)
    print(doctor.diagnosis)

What it reads: at the end of every training epoch (Lightning runs validation before
``on_train_epoch_end``) every scalar in ``trainer.callback_metrics`` — what the module
logged with ``self.log(..., on_epoch=True)``; ``*_step`` values are skipped and
``x_epoch`` is read as ``x``; validation values only when validation ran that epoch —
plus the learning rate of the first optimizer. When the module logs no training loss
the mean of the ``loss`` its ``training_step`` returned is used. If ``training_step``
returns a dict with ``rows``, ``sample_losses`` (and ``predictions``), tracked rows
are followed (``track_rows=...``); labels come from ``(x, y)`` or ``{"labels": ...}``
batches.

Training dynamics of every row (label-noise evidence without out-of-fold
probabilities) are recorded when ``training_step`` returns ``{"loss": loss, "logits":
logits}`` with row ids from the batches: ``(rows, x, y)`` from
:class:`gapdoctor.torch.RowIndexed`, ``(x, y, idx)`` from a dataset that returns its
index, a dict batch with ``"idx"``/``"index"``, or ``"rows"`` in the returned dict — or, for
plain ``(x, y)`` batches, from the training loader's sampler as it yields them
(:mod:`~gapdoctor.integrations.loader_rows`), from the second epoch on (the first epoch's
iterator exists before any callback runs). The
number of training rows is read from ``len(trainer.train_dataloader.dataset)``. When
the logits or the row ids are missing the callback says so once on the ``gapdoctor``
logger, and trains on. The validation outputs of the latest and the best epoch are kept
(for the threshold, subgroup, validation-noise and ceiling checks) when
``validation_step`` returns ``{"loss": ..., "logits": logits}`` (labels from the batch,
or ``"labels"``; ``"groups"`` for subgroups). Under DDP the batch losses are reduced through
``trainer.strategy`` and only global rank 0 alerts. The recorder's state is saved in Lightning checkpoints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gapdoctor.inputs.series_names import LIGHTNING_LOADER
from gapdoctor.integrations._extras import callback_on_first_use, require
from gapdoctor.integrations.recorder import FloatArray
from gapdoctor.integrations.torch_loop import Monitor

__all__ = ["GapdoctorCallback"]  # noqa: F822 (built on first use by __getattr__)


_ROW_KEYS = ("idx", "index", "rows")  # keys of a dict batch that hold the row ids


def _is_row_ids(value: Any) -> bool:
    """A 1-d tensor or array of integers (read from its dtype and shape: no device sync)."""
    dtype = str(getattr(value, "dtype", ""))
    return getattr(value, "ndim", None) == 1 and "int" in dtype and "uint8" not in dtype


def _rows_and_labels(batch: Any) -> tuple[Any, Any]:
    """(row ids or None, labels or None) of a training batch.

    ``(rows, x, y)`` (RowIndexed) and ``(x, y, rows)`` (a dataset returning its index);
    otherwise the labels are the last item of ``(x, y)``. Dict batches: ``labels`` /
    ``label`` / ``y``, and ``idx`` / ``index`` / ``rows``.

    Examples
    --------
    >>> import numpy as np
    >>> rows, x, y = np.arange(2), np.zeros((2, 3)), np.array([4, 5])
    >>> [v.tolist() for v in _rows_and_labels((rows, x, y))], _rows_and_labels((x, y))[0]
    ([[0, 1], [4, 5]], None)
    >>> [v.tolist() for v in _rows_and_labels((x, y, rows))]
    [[0, 1], [4, 5]]
    >>> [v.tolist() for v in _rows_and_labels({"x": x, "labels": y, "idx": rows})]
    [[0, 1], [4, 5]]
    """
    if isinstance(batch, Mapping):
        labels = batch.get("labels", batch.get("label", batch.get("y")))
        return next((batch[key] for key in _ROW_KEYS if key in batch), None), labels
    if isinstance(batch, (list, tuple)) and len(batch) >= 2:
        if len(batch) >= 3 and _is_row_ids(batch[0]):
            return batch[0], batch[-1]
        if len(batch) == 3 and _is_row_ids(batch[2]) and _is_row_ids(batch[1]):
            return batch[2], batch[1]
        return None, batch[-1]
    return None, None


def _epoch_values(metrics: Mapping[str, Any], validated: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in metrics.items():
        if key.endswith("_step") or getattr(value, "numel", lambda: 1)() != 1:
            continue
        name = key[: -len("_epoch")] if key.endswith("_epoch") else key
        if name != key and name in metrics:
            continue  # "x" and "x_epoch" hold the same value
        if not validated and name.lower().startswith(("val", "valid", "eval")):
            continue  # left over from an earlier validation run
        values[name] = value  # converted by the recorder: one that is not a number is dropped alone
    return values


_LATER_LOADERS = (
    "gapdoctor reads the first validation loader's series (name/dataloader_idx_0) as the validation curves; the "
    "other loaders' ({}) are kept in recorder.extra_curves, not diagnosed."
)


def _build() -> type:
    pl = require("lightning.pytorch", "lightning")

    base: Any = pl.Callback

    class GapdoctorCallback(base):  # type: ignore[misc]
        """Record a Lightning run for :func:`gapdoctor.diagnose`.

        Parameters
        ----------
        **options
            Those of :class:`~gapdoctor.integrations.recorder.Recorder` (``metric``,
            ``y_train``, ``track_rows``, ``diagnose_every``, ``on_epoch_end``...).

        Attributes
        ----------
        recorder : Monitor
            The recorder behind the callback (``recorder.curves``...).
        diagnosis : Diagnosis or None
            Set on global rank 0 when fitting ends.
        """

        def __init__(self, **options: Any) -> None:
            options.setdefault("all_reduce_sum", None)
            options.setdefault("is_main_process", True)
            options.setdefault("run_name", "Lightning run")
            self.recorder = Monitor(**options)
            self.diagnosis: Any = None
            self._validated = False
            self._rows_checked = False  # the first row ids seen are checked once to be distinct
            self._rows_bad = False
            self._sampler_rows = False  # row ids read from the training loader's sampler

        def setup(self, trainer: Any, pl_module: Any, stage: str) -> None:
            with self.recorder.guard("setup"):
                self.recorder.is_main_process = bool(trainer.is_global_zero)
                if trainer.world_size > 1:
                    torch = require("torch", "torch")

                    def all_reduce_sum(values: FloatArray) -> FloatArray:
                        tensor = torch.as_tensor(values, dtype=torch.float64, device=pl_module.device)
                        reduced = trainer.strategy.reduce(tensor, reduce_op="sum")
                        return np.asarray(reduced.cpu().numpy(), dtype=np.float64)

                    self.recorder.all_reduce_sum = all_reduce_sum

        def on_train_start(self, trainer: Any, pl_module: Any) -> None:
            with self.recorder.guard("on_train_start"):
                if self.recorder.n_train is None:
                    try:
                        n_rows = len(trainer.train_dataloader.dataset)
                    except Exception:  # an iterable dataset, several loaders: said once when logits come
                        return
                    self.recorder.learn_n_train(n_rows)

        def on_train_epoch_start(self, trainer: Any, pl_module: Any) -> None:
            # Row ids from the loader's sampler, for batches that carry none (said when logits come).
            # Watched for the epoch only: Lightning may rebuild the loader between epochs (a distributed
            # sampler, reload_dataloaders_every_n_epochs), and must find its own batch sampler then. The
            # first epoch's iterator exists before any callback runs: its rows stay unknown.
            with self.recorder.guard("on_train_epoch_start"):
                self._sampler_rows = self.recorder.watch_loader(trainer.train_dataloader, say_why=False)

        def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
            if not self.recorder.enabled:
                return
            with self.recorder.guard("on_train_batch_end"):
                extra = outputs if isinstance(outputs, Mapping) else {}
                batch_rows, labels = _rows_and_labels(batch)
                rows = extra.get("rows")  # given: also followed for track_rows, as before
                logits = extra.get("logits")
                if logits is not None and rows is None and batch_rows is None and self._sampler_rows:
                    pass  # rows=None: the recorder takes them from the loader's sampler
                elif logits is not None:
                    rows = self._checked_rows(batch_rows if rows is None else rows)
                else:
                    self.recorder.say_once(
                        "dynamics: no logits",
                        "gapdoctor records no training dynamics (per-row label-noise evidence): training_step "
                        "returns no 'logits'; return {'loss': loss, 'logits': logits} to record them.",
                    )
                self.recorder.log_batch(
                    extra.get("loss") if isinstance(outputs, Mapping) else outputs,
                    labels=labels,
                    rows=rows,
                    sample_losses=extra.get("sample_losses"),
                    predictions=extra.get("predictions"),
                    logits=logits,
                )

        def _checked_rows(self, rows: Any) -> Any:
            """``rows``, or None (said once) when the batch carries none or they repeat."""
            if rows is None:
                self.recorder.say_once(
                    "dynamics: no rows",
                    "gapdoctor records no training dynamics: the batches carry no row ids; wrap the training "
                    "dataset in gapdoctor.torch.RowIndexed (batches (rows, x, y)), return (x, y, index) or "
                    "{..., 'idx': index} from it, or return 'rows' from training_step.",
                )
                return None
            if not self._rows_checked:  # once: one host copy on the first batch only
                self._rows_checked = True
                ids = np.asarray(rows.cpu() if hasattr(rows, "cpu") else rows).reshape(-1)
                if len(np.unique(ids)) != len(ids):
                    self._rows_bad = True
                    instead = (
                        "it reads them from the loader's sampler instead"
                        if self._sampler_rows
                        else "it records no training dynamics"
                    )
                    self.recorder.say_once(
                        "dynamics: rows repeat",
                        f"gapdoctor: the integers it took for row ids in the batch repeat, so they are not row ids; "
                        f"{instead} (return 'rows' from training_step to give them).",
                    )
            return None if self._rows_bad else rows

        def on_validation_batch_end(
            self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int, dataloader_idx: int = 0
        ) -> None:
            if trainer.sanity_checking or dataloader_idx != 0 or not self.recorder.enabled:
                return
            with self.recorder.guard("on_validation_batch_end"):
                logits = outputs.get("logits") if isinstance(outputs, Mapping) else None
                if logits is None:
                    self.recorder.say_once(
                        "validation: no logits",
                        "gapdoctor keeps no validation outputs (the threshold, subgroup and validation-noise "
                        "checks need them): validation_step returns no 'logits'; return {'loss': loss, "
                        "'logits': logits} (and 'groups' for subgroups) to keep them.",
                    )
                    return
                labels = outputs.get("labels")
                if labels is None:
                    labels = _rows_and_labels(batch)[1]
                self.recorder.log_validation(labels, logits=logits, groups=outputs.get("groups"))

        def on_validation_epoch_end(self, trainer: Any, pl_module: Any) -> None:
            self._validated = self._validated or not trainer.sanity_checking

        def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
            self.recorder.unwatch_loader()
            # also when recording stopped: under DDP this process still takes part in the epoch's sums
            values: dict[str, Any] = {}
            with self.recorder.guard("on_train_epoch_end"):
                values = _epoch_values(trainer.callback_metrics, self._validated)
                later = sorted(k for k in values if (m := LIGHTNING_LOADER.search(k)) and m.group(1) != "0")
                if later:
                    self.recorder.say_once("later validation loaders", _LATER_LOADERS.format(", ".join(later)))
            try:
                if trainer.optimizers:
                    values.setdefault("lr", trainer.optimizers[0].param_groups[0]["lr"])
            except Exception:  # an optimizer without param_groups: no learning-rate curve
                pass
            self._validated = False
            self.recorder.end_epoch(**values)
            if self.recorder.should_stop:  # stop_when: a named cause is reported
                trainer.should_stop = True

        def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
            self.diagnosis = self.recorder.finish()

        def state_dict(self) -> dict[str, Any]:
            return self.recorder.state_dict()  # never raises

        def load_state_dict(self, state_dict: dict[str, Any]) -> None:
            # never raises: a checkpoint saved with other options or by another version
            # resumes the fit with what fits (trainer.fit(ckpt_path=...) calls this)
            self.recorder.load_state_dict(state_dict)

    return GapdoctorCallback


# ``GapdoctorCallback`` is built on first use, so importing this module needs no framework.
__getattr__ = callback_on_first_use(__name__, _build)
