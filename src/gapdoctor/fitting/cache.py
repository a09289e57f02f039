"""On-disk cache of experiment results: JSON for results, npz for arrays, never pickle.

A key is the SHA-256 of the data (every split's bytes, the probabilities, the metric),
the model (its class and parameters; for a train function its name and source code,
for a callable object its class's), the settings that change results, and what the
experiment depends on (cause, intervention, the finding's rows or features). Change
any of them and the experiment runs again. A train function whose behaviour depends
on variables it captures is not re-identified when they change: clear the cache
directory, or pass ``cache_dir=None``, after changing them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from gapdoctor.experiments.lab import Lab
    from gapdoctor.fitting.trainer import Trainer
    from gapdoctor.inputs.evidence import Evidence

__all__ = ["ExperimentCache"]

_FORMAT = 1  # bump when stored results change meaning


class ExperimentCache:
    """A directory of cached experiment results.

    Parameters
    ----------
    directory : str or Path
        Created on first write.

    Examples
    --------
    >>> import tempfile
    >>> cache = ExperimentCache(tempfile.mkdtemp())
    >>> cache.put("k", {"after": 0.9}); cache.get("k")
    {'after': 0.9}
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._data_digests: dict[int, str] = {}

    def _data_digest(self, ev: Evidence) -> str:
        known = self._data_digests.get(id(ev))
        if known is not None:
            return known
        digest = hashlib.sha256()
        for name in ("X_train", "y_train", "X_val", "y_val", "train_probs", "val_probs", "sources_train"):
            value = getattr(ev, name)
            digest.update(name.encode())
            if value is not None:
                arr = np.ascontiguousarray(value)
                digest.update(str(arr.shape).encode() + str(arr.dtype).encode())
                digest.update(arr.tobytes())
        digest.update(repr((ev.metric, [str(c) for c in ev.classes], ev.feature_names)).encode())
        self._data_digests[id(ev)] = digest.hexdigest()
        return self._data_digests[id(ev)]

    def key(self, lab: Lab, what: Any) -> str:
        """The cache key of ``what`` (JSON-able) computed on ``lab``'s data and model."""
        s = lab.settings
        return self.key_for(
            lab.evidence, lab.trainer, [s.seed, s.n_bootstrap, s.n_repeats, s.cv_folds, s.min_improvement], what
        )

    def key_for(self, evidence: Evidence, trainer: Trainer, settings: list[Any], what: Any) -> str:
        """The cache key of ``what`` computed on ``evidence``'s data with ``trainer``'s model and ``settings``."""
        payload = {
            "format": _FORMAT,
            "data": self._data_digest(evidence),
            "model": trainer.identity(),
            "settings": settings,
            "what": what,
        }
        text = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored result, or None."""
        path = self.directory / f"{key}.json"
        if not path.is_file():
            return None
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None  # a damaged entry is recomputed
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Store a JSON-safe result."""
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / f"{key}.json.tmp"
        tmp.write_text(json.dumps(value), encoding="utf-8")
        tmp.replace(self.directory / f"{key}.json")

    def get_array(self, key: str) -> NDArray[np.float64] | None:
        """The stored array, or None."""
        path = self.directory / f"{key}.npz"
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as stored:
                return np.asarray(stored["value"], dtype=np.float64)
        except (OSError, KeyError, ValueError):
            return None

    def put_array(self, key: str, value: NDArray[np.float64]) -> None:
        """Store one float array."""
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / f"{key}.tmp.npz"
        np.savez(tmp, value=np.asarray(value, dtype=np.float64))
        tmp.replace(self.directory / f"{key}.npz")
