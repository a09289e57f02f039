"""What a diagnosis tells about the history it read: the reader's notes, the series it did not use, and why.

Logged figures about the run's speed and bookkeeping (runtimes, throughput, memory, step counters) are passed
over without a note; a multi-output model's per-output series are named as such
(:mod:`gapdoctor.inputs.output_heads`); every other series not read is listed, with how to use one.
"""

from __future__ import annotations

import re

from gapdoctor.inputs.history import RunHistory
from gapdoctor.inputs.output_heads import per_output_names
from gapdoctor.inputs.series_names import LIGHTNING_LOADER, normalise_series_name

__all__ = ["history_notes"]

# Logged figures about the run's speed and bookkeeping, not its curves: ignored without a note.
_BOOKKEEPING = re.compile(
    r"runtime|per_second|flos|num_tokens|tokens_seen|samples|steps_per|time|memory|mem_|gpu|throughput|"
    r"^hp_metric$|^epoch|^step|global_step|^_|_vs_iterations$|"  # Keras' validation curve again, by iteration
    r"^eta|^n_parameters$|^num_params$"  # Detectron2's time left, facebookresearch's log.txt model size
)

_METRIC_HINT = "(pass metric=NAME with higher_is_better, or --metric NAME --higher-is-better, to use one)"


def _listed(names: list[str]) -> str:
    return ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")


def history_notes(history: RunHistory) -> tuple[str, ...]:
    """What the diagnosis should tell about the history: the reader's notes, unknown series, and series dropped for
    another of the same meaning (YOLO segmentation's mask metrics beside its box metrics, a per-step twin)."""
    dropped = [n for n in history.ignored if not _BOOKKEEPING.search(n.lower())]
    loaders = [n for n in dropped if LIGHTNING_LOADER.search(n.strip())]  # the first loader's are read, not these
    shadowed = [n for n in dropped if normalise_series_name(n) and n not in loaders]
    heads = sorted(per_output_names(dropped)) if history.heads else []
    unknown = [n for n in dropped if n not in shadowed and n not in heads and n not in loaders]
    extra: tuple[str, ...] = ()
    if loaders:
        extra += (
            f"history: series of the second and later validation loaders, not used: {_listed(loaders)} (Lightning "
            "names each loader's series /dataloader_idx_N; the first loader's, /dataloader_idx_0, are read as the "
            "validation curves)",
        )
    if unknown:
        extra += (f"history: series not understood, not used: {_listed(unknown)} {_METRIC_HINT}",)
    if heads:  # the losses are read by optimization.output_at_chance
        extra += (
            f"history: a multi-output model's per-output series (each output's loss read for an output that never "
            f"learnt, its metrics not judged): {_listed(heads)}",
        )
    if shadowed:
        extra += (
            f"history: series meaning one already read, not used: {_listed(shadowed)} (another series of the same "
            "meaning was read: the per-epoch one, then the one with the most values)",
        )
    return tuple(f"history: {n}" for n in history.notes) + extra
