"""pipeline_bug.misaligned_rows on a split too small to show chance: 63 training rows, 38% of them flipped.

Recorded inputs of held-out corpus seed 4653 (breast cancer, label noise and overfitting injected),
read byte-for-byte from ``tests/data/corpus/flipped_small_train_seed4653.npz``: the arrays
:func:`gapdoctor.diagnose` received from the corpus generator (``python -m gapdoctor.bench.corpus``,
that seed), curves and per-row losses left out. A model of the validation split's features is right on
60.3% of the training labels against 52.1% by chance: the 95% interval of 63 rows reaches chance from
8 points above it. Read as misaligned rows it headed the diagnosis at 0.82 ("Join X_train and y_train
on an explicit row key").
"""

from __future__ import annotations

import gapdoctor
from gapdoctor.causes.pipeline_bug.score import CHANCE_MARGIN, shown_at_chance
from gapdoctor.stats.accumulators import binomial_interval
from gapdoctor.stats.association import association_retained, split_association
from gapdoctor.stats.transfer import transfer_accuracy, transfer_model
from tests.data.recording import corpus_inputs


def test_labels_above_chance_on_a_split_too_small_to_show_it_are_not_read_as_misaligned() -> None:
    inputs = corpus_inputs("flipped_small_train_seed4653")
    X_train, y_train, X_val, y_val = (inputs[k] for k in ("X_train", "y_train", "X_val", "y_val"))
    assert len(y_train) == 63
    association = split_association(X_train, y_train, X_val, y_val, 2)
    _, informative = association_retained(association.val, association.train, association.noise_val)
    transfer = transfer_accuracy(
        X_val, y_val, X_train, y_train, informative, model=transfer_model(X_val, y_val, informative)
    )
    low, _ = binomial_interval(transfer.correct, transfer.rows)
    # the interval reaches chance, the accuracy itself stands past the margin: neither reading is shown
    assert low <= transfer.chance < transfer.chance + CHANCE_MARGIN < transfer.accuracy
    assert not shown_at_chance(transfer.accuracy, low, transfer.chance)
    diagnosis = gapdoctor.diagnose(**inputs)
    assert not any(f.check == "pipeline_bug.misaligned_rows" and f.score >= 0.5 for f in diagnosis.findings)
