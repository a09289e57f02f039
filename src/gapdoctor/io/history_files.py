"""Read a training history from a log file or directory, whatever wrote it.

The format is detected from the contents:

- a CSV with one row per epoch; with an ``epoch`` column, rows are grouped by epoch
  (Lightning's and Keras' ``CSVLogger``);
- JSON: ``{"name": [values...]}``, a list of per-epoch objects, or HF Transformers'
  ``trainer_state.json`` (``log_history``);
- TensorBoard event files (a file or a run directory), read natively;
- an MLflow run of the local file store (``mlruns/<experiment>/<run>``);
- a directory holding one of these (Lightning's ``version_N`` with ``metrics.csv``, a
  Transformers checkpoint with ``trainer_state.json``).

Series names are normalised by :func:`gapdoctor.history.normalise_series_name`;
``mapping`` overrides it. Names it does not understand are ignored and listed in
``history.ignored``; when several names mean the same series (Lightning's
``train_loss_step`` and ``train_loss_epoch``) the per-epoch one is kept.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.history import RunHistory, normalise_series_name
from gapdoctor.io.files import check_input_path, load_json_text, parse_csv, read_head, read_text, reading
from gapdoctor.io.log_formats import (
    find_mlflow_run,
    group_rows_by_epoch,
    points_to_epochs,
    read_mlflow_points,
    trainer_state_rows,
)
from gapdoctor.io.tensorboard_events import EVENT_FILE_MARKER, find_event_files, masked_crc32c, read_event_scalars

__all__ = ["read_history"]


def _float_or_nan(text: str) -> float:
    text = text.strip()
    if text == "" or text.lower() in {"nan", "none", "null"}:
        return math.nan
    return float(text)


def _read_csv(path: Path) -> dict[str, list[float]]:
    header, body = parse_csv(read_text(path), path)
    columns: dict[str, list[float]] = {name: [] for name in header}
    for row in body:
        for name, cell in zip(header, row, strict=True):
            try:
                columns[name].append(_float_or_nan(cell))
            except ValueError:
                columns[name].append(math.nan)
    if "epoch" in columns:
        epochs = columns["epoch"]
        if any(not math.isfinite(e) for e in epochs):
            raise GapdoctorInputError(str(path), "has rows without an epoch", "fill the epoch column")
        rows = [{name: values[i] for name, values in columns.items()} for i in range(len(epochs))]
        if all(e == int(e) for e in epochs):  # Lightning, Keras: epochs counted from 0
            return group_rows_by_epoch(rows, [int(e) for e in epochs])
        # fractional epochs (0.5 = half-way through the first): 0 < e <= 1 is the first epoch
        return group_rows_by_epoch(rows, [max(0, math.ceil(e - 1e-6) - 1) for e in epochs])
    return columns


def _read_json(path: Path) -> Any:
    return load_json_text(read_text(path), path)


def _records_to_columns(records: list[Any], path: Path) -> dict[str, list[float]]:
    names: list[str] = []
    for record in records:
        if not isinstance(record, dict):
            raise GapdoctorInputError(str(path), "a list entry is not an object", "write one object per epoch")
        names.extend(k for k in record if k not in names)
    return {n: [r.get(n) if isinstance(r.get(n), (int, float)) else math.nan for r in records] for n in names}


def _read_json_history(path: Path) -> dict[str, Any]:
    content = _read_json(path)
    if isinstance(content, dict) and "log_history" in content:
        return trainer_state_rows(content, path)
    if isinstance(content, list):
        content = _records_to_columns(content, path)
    if not isinstance(content, dict):
        raise GapdoctorInputError(str(path), "holds neither an object nor a list", "write {name: [values]}")
    return content


def _first_bytes(path: Path, n: int) -> bytes:
    return read_head(path, n)


def _looks_like_tfrecord(path: Path) -> bool:
    head = _first_bytes(path, 12)
    return len(head) == 12 and masked_crc32c(head[:8]) == int.from_bytes(head[8:], "little")


def _read_file(path: Path) -> dict[str, Any]:
    path = check_input_path(path, "history")  # also a file found in a directory: no FIFO is opened
    suffix = path.suffix.lower()
    if EVENT_FILE_MARKER in path.name or (suffix not in {".csv", ".json"} and _looks_like_tfrecord(path)):
        return points_to_epochs(read_event_scalars(path))
    if suffix == ".json":
        return _read_json_history(path)
    if suffix == ".csv":
        return _read_csv(path)
    if _first_bytes(path, 256).lstrip()[:1] in {b"{", b"["}:
        return _read_json_history(path)
    return _read_csv(path)


def _read_directory(path: Path) -> dict[str, Any]:
    mlflow_run = find_mlflow_run(path)
    if mlflow_run is not None:
        return points_to_epochs(read_mlflow_points(mlflow_run))
    if find_event_files(path):
        return points_to_epochs(read_event_scalars(path))
    for name in ("metrics.csv", "trainer_state.json", "history.csv", "history.json"):
        found = sorted(path.rglob(name))
        if len(found) == 1:
            return _read_file(found[0])
        if len(found) > 1:
            listed = ", ".join(str(f.relative_to(path)) for f in found[:10])
            raise GapdoctorInputError(str(path), f"holds several {name} files ({listed})", "point at one of them")
    raise GapdoctorInputError(
        str(path),
        "holds no log gapdoctor reads (looked for TensorBoard event files, an MLflow run, metrics.csv, "
        "trainer_state.json)",
        "point --history at the log file or the run's log directory",
    )


def _apply_mapping(columns: dict[str, Any], mapping: Mapping[str, str], path: Path) -> dict[str, Any]:
    for old, new in mapping.items():
        if old not in columns:
            raise GapdoctorInputError(
                "mapping",
                f"{old!r} is not a series in {path} (series: {', '.join(sorted(columns)[:30])})",
                "map a name the log holds, e.g. --map 'Loss/valid=val_loss'",
            )
        if new and not normalise_series_name(new):
            raise GapdoctorInputError(
                "mapping",
                f"{old!r} is mapped to {new!r}, which is not a gapdoctor series name",
                "map to train_loss, val_loss, val_<metric>, train_<metric>, lr or grad_norm, or to '' to drop it",
            )
    renamed: dict[str, Any] = {}
    for name, values in columns.items():
        new = mapping.get(name, name)
        if new:
            renamed[new] = values
    return renamed


def _preference(raw: str, values: Any, chosen: set[str]) -> tuple[bool, int, int]:
    """Higher wins among names meaning the same series: mapped, per-epoch, most values."""
    lowered = raw.lower()
    level = 2 if lowered.endswith("epoch") else 0 if lowered.endswith("step") else 1
    finite = sum(1 for v in values if isinstance(v, (int, float)) and math.isfinite(v))
    return raw in chosen, level, finite


def _one_name_per_series(columns: dict[str, Any], chosen: set[str]) -> tuple[dict[str, Any], list[str]]:
    """Keep one raw name per normalised series; return the kept columns and the dropped names."""
    best: dict[str, str] = {}
    for raw in columns:
        target = normalise_series_name(raw)
        key = raw if target is None else target
        if key not in best or _preference(raw, columns[raw], chosen) > _preference(
            best[key], columns[best[key]], chosen
        ):
            best[key] = raw
    kept = set(best.values())
    return {raw: v for raw, v in columns.items() if raw in kept}, [raw for raw in columns if raw not in kept]


def read_history(path: str | Path, *, mapping: Mapping[str, str] | None = None) -> RunHistory:
    """Read a training log, whatever wrote it (the format is detected from the contents).

    Parameters
    ----------
    path : str or Path
        A CSV or JSON history, a Lightning or Keras ``CSVLogger`` file, an HF
        ``trainer_state.json``, a TensorBoard event file or run directory, an MLflow
        run directory (file store), or a directory holding one of these.
    mapping : mapping of str to str, optional
        Logged name -> gapdoctor series name (``{"Loss/valid": "val_loss"}``),
        overriding the automatic mapping; map a name to ``""`` to drop it.

    Returns
    -------
    RunHistory
        One value per epoch; unknown series names are ignored (listed in ``ignored``).

    Raises
    ------
    GapdoctorInputError
        Missing, empty, truncated or corrupted logs, naming the file and what was
        readable; a mapping that names no logged series.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "metrics.csv"
    >>> _ = log.write_text("epoch,step,train_loss,val_acc\\n0,9,0.9,\\n0,9,,0.6\\n1,19,0.7,\\n1,19,,0.7\\n")
    >>> h = read_history(log)
    >>> h.get("train_loss").tolist(), h.get("val_accuracy").tolist()
    ([0.9, 0.7], [0.6, 0.7])
    """
    path = check_input_path(path, "history", directory_ok=True)
    with reading(path, "a training log"):
        columns = _read_directory(path) if path.is_dir() else _read_file(path)
    if mapping:
        columns = _apply_mapping(columns, mapping, path)
    columns, duplicates = _one_name_per_series(columns, set((mapping or {}).values()))
    history = RunHistory.from_any(columns, argument=str(path), strict=False)
    return replace(history, source=str(path), ignored=(*history.ignored, *duplicates))
