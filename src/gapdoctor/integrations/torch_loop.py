"""Plain PyTorch: a :class:`Monitor` for the hand-written training loop.

A few lines added to the loop of every tutorial::

    monitor = gapdoctor.torch.Monitor(optimizer=optimizer, train_loader=train_loader)
    ...
        monitor.log_batch(loss, logits=logits, labels=y)   # after optimizer.step()
    ...
    monitor.log_validation(y_val, logits=val_logits)
    monitor.end_epoch(val_loss=val_loss, val_accuracy=val_acc)
    print(monitor.diagnose())

With ``train_loader`` the monitor reads which rows each batch holds from the loader's
sampler (:mod:`~gapdoctor.integrations.loader_rows`), so the logits give every row's
training dynamics — label-noise evidence without out-of-fold probabilities.

Under ``torch.distributed`` (any backend) the monitor reduces every epoch's values
across processes and only rank 0 alerts and calls ``on_epoch_end``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from gapdoctor.integrations._extras import require
from gapdoctor.integrations.recorder import FloatArray, Recorder
from gapdoctor.integrations.values import tensor_to_numpy

__all__ = ["Monitor", "RowIndexed"]

_COLLAPSE_EVERY = 1024  # sum the kept loss tensors into one this often


def _distributed() -> tuple[Callable[[FloatArray], FloatArray] | None, bool]:
    """(all_reduce_sum, is_main_process) for the current torch.distributed state."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return None, True
    import torch

    device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else None

    def all_reduce_sum(values: FloatArray) -> FloatArray:
        tensor = torch.as_tensor(values, dtype=torch.float64, device=device)
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return np.asarray(tensor.cpu().numpy(), dtype=np.float64)

    return all_reduce_sum, dist.get_rank() == 0


class Monitor(Recorder):
    """Record a hand-written PyTorch training loop for :func:`gapdoctor.diagnose`.

    Parameters
    ----------
    optimizer : torch.optim.Optimizer, optional
        When given, the learning rate of its first parameter group is recorded each epoch.
    train_loader : torch.utils.data.DataLoader, optional
        The training loader: the row ids of each batch are read from its sampler as it
        yields them and the number of rows from its dataset, so that ``log_batch(loss,
        logits=logits, labels=y)`` records every row's training dynamics. Call
        ``log_batch`` once per batch of this loader. Without it, pass ``rows=``.
    **options
        Those of :class:`~gapdoctor.integrations.recorder.Recorder` (``metric``,
        ``y_train``, ``track_rows``, ``diagnose_every``, ``on_epoch_end``...).
        ``all_reduce_sum`` and ``is_main_process`` default to the current
        ``torch.distributed`` process group, if one is initialised.

    Examples
    --------
    >>> import torch
    >>> monitor = Monitor(store=False)
    >>> for epoch in range(2):
    ...     monitor.log_batch(torch.tensor(1.0 - epoch / 2))
    ...     monitor.end_epoch(val_loss=torch.tensor(0.75))
    >>> monitor.curves["train_loss"], monitor.curves["val_loss"]
    ([1.0, 0.5], [0.75, 0.75])
    """

    def __init__(self, *, optimizer: Any = None, train_loader: Any = None, **options: Any) -> None:
        require("torch", "torch")
        reduce_sum, is_main = _distributed()
        options.setdefault("all_reduce_sum", reduce_sum)
        options.setdefault("is_main_process", is_main)
        options.setdefault("run_name", "PyTorch run")
        super().__init__(**options)
        self.optimizer = optimizer
        self._torch = require("torch", "torch")
        self._step_losses: list[Any] = []  # detached loss tensors, summed when the epoch ends
        self._step_weight = 0.0
        if train_loader is not None:
            self.watch_loader(train_loader)

    def _take_loss(self, loss: Any, weight: float) -> Any:
        """A loss tensor on an accelerator is kept (detached) and read once per epoch, so the
        monitor adds no host-device synchronisation to the step; on the CPU it is read at once."""
        try:
            if loss.is_cpu:  # a CPU tensor: reading it costs less than keeping it
                self._loss_sum += loss.item() * weight
                self._loss_count += weight
            else:  # on an accelerator: kept, and read once when the epoch ends
                self._step_losses.append(loss.detach() if weight == 1.0 else loss.detach() * weight)
                self._step_weight += weight
                if len(self._step_losses) >= _COLLAPSE_EVERY:
                    self._step_losses = [self._torch.stack(self._step_losses).sum()]
        except Exception:  # None, a plain number, or not one number: the recorder's checked path
            return loss
        return None

    def _kept(self, value: Any) -> Any:
        """Kept until the epoch ends: never hold the autograd graph."""
        return value.detach() if getattr(value, "requires_grad", False) else value

    def _concat(self, parts: list[Any], *, flat: bool = True) -> np.ndarray[Any, Any]:
        """Tensors are joined on their device and copied to the host once."""
        try:  # _kept detached whatever needed it
            joined = self._torch.cat(parts)
        except (TypeError, RuntimeError):  # not all tensors, or shapes that only join flattened
            return super()._concat(parts, flat=flat)
        return tensor_to_numpy(joined.reshape(-1) if flat else joined)  # bfloat16 becomes float32

    def end_epoch(self, **values: Any) -> None:
        """Close the epoch; see :meth:`Recorder.end_epoch`. Adds ``lr`` from the optimizer."""
        if self.enabled:
            try:
                if self._step_losses:
                    total = float(self._torch.stack(self._step_losses).sum().item())
                    super().log_batch(total / self._step_weight, weight=self._step_weight)
            except Exception as error:  # gapdoctor must never stop a training run
                self._fail("end_epoch", error)
        try:  # also when recording stopped: under torch.distributed every process sends the same names
            if self.optimizer is not None and "lr" not in values:
                values["lr"] = self.optimizer.param_groups[0]["lr"]  # converted (or dropped) with the rest
        except Exception:  # an optimizer without param_groups: no learning-rate curve
            pass
        self._step_losses, self._step_weight = [], 0.0
        super().end_epoch(**values)


class RowIndexed:
    """Wrap a dataset so that each item starts with its row index (for per-row tracking).

    ``RowIndexed(TensorDataset(X, y))[i] == (i, X[i], y[i])``; a DataLoader then yields
    ``rows, X, y`` batches, and ``monitor.log_batch(loss, rows=rows, sample_losses=...)``
    can follow each tracked row.

    Parameters
    ----------
    dataset : map-style dataset
        Anything with ``__getitem__`` and ``__len__``.

    Examples
    --------
    >>> RowIndexed([("a", 0), ("b", 1)])[1]
    (1, 'b', 1)
    """

    def __init__(self, dataset: Sequence[Any]) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        item = self.dataset[index]
        return (index, *item) if isinstance(item, tuple) else (index, item)
