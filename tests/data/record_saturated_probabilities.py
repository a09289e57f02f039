"""Record two runs at too high a learning rate whose probabilities saturated to exactly 0 and 1.

Corpus seeds 107382 and 108502 (batches 134 and 135, ``optimization``: an sklearn MLP trained with
Adam at a rate of 0.23-0.24, batch 16, 68 epochs, on make_classification with no label flips). The
softmax rounds to exactly 0 and 1 for 99.7% of the validation rows it gets right and most of the
ones it gets wrong, so 121 of 505 (and 82 of 655) rows read as "contradicted with near certainty",
and their confidence ranks tie with the right rows' instead of ranking below them: the rank test,
with the variance of untied ranks, read them as label errors (p = 0.058 and 0.10) and
``metric_saturation`` headlined both at 0.98 with an "attainable accuracy" of 0.76 and 0.87.

Kept: every :func:`gapdoctor.diagnose` input but the features, at full precision (rounding would
move the ties the test is about). Recorded rather than trained live because where a run at this
rate saturates differs from one CPU to another.

Run from the repository root (it overwrites the fixtures beside this file)::

    OMP_NUM_THREADS=1 python -m tests.data.record_saturated_probabilities [--cache DIR]
"""

from __future__ import annotations

from tests.data.record_small_validation_luck import _without_features
from tests.data.recording import CORPUS_CASES, record_corpus_arrays

FIXTURES = {
    107382: CORPUS_CASES / "saturated_probabilities_seed107382.npz",
    108502: CORPUS_CASES / "saturated_probabilities_seed108502.npz",
}

if __name__ == "__main__":
    record_corpus_arrays(FIXTURES, _without_features)
