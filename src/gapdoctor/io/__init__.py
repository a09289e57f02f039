"""Readers: training histories (logs) and data tables (CSV, Parquet, NPZ)."""

from __future__ import annotations

from gapdoctor.io.history_files import read_history
from gapdoctor.io.tables import read_labels_and_features, read_probabilities

__all__ = ["read_history", "read_labels_and_features", "read_probabilities"]
