"""Each training run written into the run store as it trains (on by default, ``store=False`` to opt out).

Every integration's :class:`~gapdoctor.integrations.recorder.Recorder` keeps the run in the
embedded SQLite run store (:class:`gapdoctor.io.store.RunStore`; ``./.gapdoctor/runs.sqlite``
under the working directory, or ``$GAPDOCTOR_STORE``): each epoch's values when the epoch
closes, the diagnosis when training ends. ``gapdoctor runs`` lists the runs and
``gapdoctor compare RUN RUN`` puts two side by side — what people otherwise open
TensorBoard for. Only the main process writes (under torch.distributed), one SQLite
transaction per epoch (about a millisecond). The store must never stop training: a store
that cannot be opened or written is reported once on the ``gapdoctor`` logger and the run
goes on without it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.integrations.guard import ErrorGuard

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis
    from gapdoctor.io.store import RunStore

__all__ = ["RunLog", "check_store"]


def check_store(store: Any, run_name: Any) -> None:
    """Validate a recorder's ``store=`` and ``run_name=`` at the door.

    Raises
    ------
    GapdoctorInputError
        Naming the argument, what it was and what to pass.
    """
    if not isinstance(store, (bool, str, os.PathLike)) or store == "":
        raise GapdoctorInputError("store", f"is {store!r}", "pass True (the default run store), False (none) or a path")
    if not isinstance(run_name, str) or not run_name.strip():
        raise GapdoctorInputError("run_name", f"is {run_name!r}", "pass a non-empty name")


class RunLog:
    """The run store writer of one Recorder.

    Parameters
    ----------
    store : bool, str or Path
        True: the default store (:func:`gapdoctor.io.store.default_store_path`); a path: that
        file; False: nothing is written.
    name : str
        The run's name in ``gapdoctor runs``.
    meta : mapping
        Kept with the run (the metric, the framework...).
    guard : ErrorGuard
        Where a failing store is reported, once.
    """

    def __init__(
        self, store: bool | str | os.PathLike[str], name: str, meta: Mapping[str, Any], guard: ErrorGuard
    ) -> None:
        self.enabled = store is not False
        self._path = None if isinstance(store, bool) else Path(store)
        self.name = name
        self.meta = dict(meta)
        self._guard = guard
        self._store: RunStore | None = None
        self.run_id: int | None = None

    @property
    def path(self) -> Path | None:
        """The store file written to, once the first epoch opened it (None before, or when off)."""
        return None if self._store is None else self._store.path

    def _open(self) -> int:
        if self.run_id is None:
            from gapdoctor.io.store import RunStore

            self._store = RunStore(self._path)
            self.run_id = self._store.start_run(self.name, self.meta)
        return self.run_id

    def epoch(self, index: int, values: Mapping[str, float]) -> None:
        """Write epoch ``index``'s values (NaN: not measured)."""
        if not self.enabled or index < 0:  # an epoch closed with nothing recorded is not a run yet
            return
        try:
            run = self._open()
            assert self._store is not None
            self._store.log_epoch(run, index, {k: v for k, v in values.items() if not math.isnan(v)})
        except Exception as error:  # the store must never stop training
            self._off("writing an epoch", error)

    def finish(self, diagnosis: Diagnosis | None) -> None:
        """Store the final diagnosis (when there is one) and mark the run finished."""
        if not self.enabled or self.run_id is None or self._store is None:
            return
        try:
            if diagnosis is not None:
                self._store.save_diagnosis(self.run_id, diagnosis)
            self._store.finish_run(self.run_id)
        except Exception as error:
            self._off("storing the diagnosis", error)

    def _off(self, doing: str, error: Exception) -> None:
        self.enabled = False
        line = self._guard.caught(f"run store: {doing}", error)
        self._guard.report(
            "gapdoctor stops writing this run into the run store (training is not affected; pass store=False "
            "to turn it off, or store='path/runs.sqlite'): %s",
            line,
        )
