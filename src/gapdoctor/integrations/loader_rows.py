"""LoaderRows: which training rows each batch holds, read from the loader's batch sampler.

A ``torch.utils.data.DataLoader`` asks its batch sampler for the row indices of each batch
before it fetches them. :meth:`LoaderRows.watch` puts a thin recorder in front of that
sampler: every batch of indices it yields is also queued here, and the integration takes
the next one for each training batch it logs (:meth:`LoaderRows.take`). The batches the
loader yields, their order and the sampler's random numbers are unchanged. It is how the
torch loop (``Monitor(train_loader=...)``), the HF ``Trainer`` (its sampler, accelerate's
``DataLoaderShard`` included) and Keras (``fit`` on arrays, shuffled or not, on the torch
backend) learn row identity without a dataset that returns its index.

Batches are taken in the order the sampler yielded them: worker processes and prefetching
keep that order (``DataLoader(in_order=True)``, the default). Two checks catch a loop whose
logged batches do not follow the loader (a batch logged twice, batches skipped): the
number of rows of each batch, and, once every row's label is known, the labels of the
first batch of each pass against those the rows had before. Either failing raises
:class:`~gapdoctor.errors.GapdoctorInputError`; the recorder then switches off the
training dynamics and says why, once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.integrations.values import as_array

__all__ = ["NO_ROW_IDS", "TORCH_ADVICE", "LoaderRows", "cannot_watch", "row_count"]

MAX_WAITING = 4096
"""Index batches kept waiting at most: a loop that logs no batch must not grow memory (prefetch is far below)."""


NO_ROW_IDS = (
    "gapdoctor records no per-row training dynamics (label-noise evidence): log_batch got logits but no row "
    "ids; pass Monitor(train_loader=train_loader) (rows read from its sampler), rows= from a dataset "
    "returning its index, or wrap the dataset in gapdoctor.torch.RowIndexed."
)
"""Said once when logits come without row ids and no loader is watched."""


TORCH_ADVICE = "pass rows= to log_batch (a dataset returning its index, or gapdoctor.torch.RowIndexed)"
"""How a torch loop gives row ids when its loader's sampler cannot."""


def cannot_watch(why: str, advice: str = TORCH_ADVICE) -> str:
    """What is said once when a loader's rows cannot be known (``why``), with what to do instead."""
    return (
        f"gapdoctor cannot tell which training rows each batch holds ({why}), so it records no per-row "
        f"training dynamics (label-noise evidence); {advice}. The curves are recorded as usual."
    )


def row_count(loader: Any) -> int | None:
    """Training rows behind ``loader``: its dataset's length, else its sampler's (Keras' array dataset
    has none); None when neither says."""
    for path in (("dataset",), ("batch_sampler", "sampler")):
        try:
            source = loader
            for name in path:
                source = getattr(source, name)
            return len(source)
        except Exception:  # no length there: the next source
            continue
    return None


class _RecordingBatches:
    """Yields what ``inner`` yields, queueing each batch of indices; everything else is ``inner``'s."""

    def __init__(self, inner: Any, owner: LoaderRows) -> None:
        self.inner = inner
        self.owner = owner

    def __iter__(self) -> Iterator[Any]:
        self.owner.new_pass()
        for batch in self.inner:
            self.owner.queue(batch)
            yield batch

    def __len__(self) -> int:
        return len(self.inner)

    def __getattr__(self, name: str) -> Any:  # sampler, batch_size, drop_last, set_epoch...
        if name in ("inner", "owner"):  # not set yet (copy, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)


def _torch_loader(loader: Any) -> Any:
    """The ``DataLoader`` that iterates: ``loader`` itself, or the one an adapter wraps (accelerate)."""
    for candidate in (loader, getattr(loader, "base_dataloader", None)):
        if candidate is not None and "batch_sampler" in getattr(candidate, "__dict__", {}):
            return candidate
    return None


class LoaderRows:
    """Row ids of the batches of one training loader, in the order its batch sampler yields them.

    Examples
    --------
    >>> import torch
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> loader = DataLoader(TensorDataset(torch.arange(5.0), torch.arange(5)), batch_size=2, shuffle=True)
    >>> rows = LoaderRows()
    >>> rows.watch(loader) is None
    True
    >>> seen = [(rows.take(len(y)).tolist(), y.tolist()) for x, y in loader]
    >>> all(ids == labels for ids, labels in seen), sorted(i for ids, _ in seen for i in ids)
    (True, [0, 1, 2, 3, 4])
    """

    def __init__(self) -> None:
        self._waiting: deque[Any] = deque()
        self._check_next = False
        self._passing = False  # a pass began since the watch (one begun before it yields unknown rows)
        self._watched: tuple[Any, _RecordingBatches] | None = None  # (the DataLoader, the recorder put in it)
        self.watching = False

    def watch(self, loader: Any) -> str | None:
        """Follow ``loader``'s batches; returns None, or why its rows cannot be known (nothing changed then)."""
        torch_loader = _torch_loader(loader)
        if torch_loader is None:
            return f"a {type(loader).__name__} is not a torch DataLoader"
        if getattr(torch_loader, "_dataset_kind", 0) != 0:  # torch's _DatasetKind.Iterable: no indices
            return "an IterableDataset yields rows without indices"
        inner = torch_loader.__dict__["batch_sampler"]
        if isinstance(inner, _RecordingBatches):  # watched already (a second fit, a second callback)
            inner.owner = self
            recording = inner
        elif inner is None:
            return "the loader has no batch sampler (batch_size=None, or an IterableDataset)"
        else:  # DataLoader.__setattr__ refuses batch_sampler after __init__; the instance dict does not
            recording = _RecordingBatches(inner, self)
            torch_loader.__dict__["batch_sampler"] = recording
        self._watched = (torch_loader, recording)
        self._waiting.clear()
        self._passing = False
        self.watching = True
        return None

    def unwatch(self) -> None:
        """Give the loader its own batch sampler back (a pass under way goes on being recorded)."""
        watched, self._watched = self._watched, None
        if watched is not None and watched[0].__dict__.get("batch_sampler") is watched[1]:
            watched[0].__dict__["batch_sampler"] = watched[1].inner

    def new_pass(self) -> None:
        """A new pass over the loader: what the last left (a loop broken off) is dropped."""
        self._waiting.clear()
        self._check_next = True
        self._passing = True

    def queue(self, batch: Any) -> None:
        """The sampler yielded ``batch`` (indices)."""
        if len(self._waiting) < MAX_WAITING:
            self._waiting.append(batch)

    def take(self, n_rows: int, labels: Any = None, known: NDArray[Any] | None = None) -> NDArray[np.int64] | None:
        """The row ids of the next batch, which holds ``n_rows`` rows (None: the loader's pass began
        before the watch, e.g. Lightning's first epoch, whose iterator exists before its callbacks start).

        Parameters
        ----------
        n_rows : int
            Rows in the batch the loop logged.
        labels : array-like, optional
            Its labels; compared, on the first batch of each pass, with ``known``.
        known : ndarray, optional
            Every row's label as seen before (None: not known yet).

        Raises
        ------
        GapdoctorInputError
            When the batch does not follow the loader (see the module docstring).
        """
        if not self._passing:
            return None
        if not self._waiting:
            raise GapdoctorInputError(
                "train_loader",
                "yielded no batch for this logged batch (a batch logged twice, or from another loader)",
                "call log_batch once per batch of the loader given as train_loader",
            )
        rows = np.asarray(as_array(self._waiting.popleft()), dtype=np.int64).reshape(-1)
        if len(rows) != n_rows:
            raise GapdoctorInputError(
                "train_loader",
                f"yielded a batch of {len(rows)} rows where the loop logged {n_rows}",
                "call log_batch once per batch of the loader given as train_loader, with all its rows",
            )
        if self._check_next and labels is not None and known is not None:
            self._check_next = False
            given = as_array(labels).reshape(-1)
            if (
                len(given) == len(rows)
                and len(known)
                and rows.max(initial=0) < len(known)
                and not np.array_equal(given, known[rows])
            ):
                raise GapdoctorInputError(
                    "train_loader",
                    "yields rows whose labels differ from the labels logged with them",
                    "call log_batch once per batch, in the order the loader yields them",
                )
        return rows
