"""Readers: training histories (logs) and data tables (CSV, Parquet, NPZ); the run store."""

from __future__ import annotations

from gapdoctor.io.history_files import read_history
from gapdoctor.io.store import RunInfo, RunStore
from gapdoctor.io.tables import read_labels_and_features, read_probabilities

__all__ = ["RunInfo", "RunStore", "read_history", "read_labels_and_features", "read_probabilities"]
