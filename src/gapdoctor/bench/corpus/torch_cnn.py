"""A small torch CNN, the corpus's convolutional model family, trained by the torch MLP's loop.

Two 1-D convolutions slide along the feature vector (on digits, its 64 pixels row by row, so a
kernel sees neighbouring pixels of a row), each followed by a ReLU and a max-pool of two, then a
dense ReLU layer (the drawn ``hidden`` width) and one logit per class. A 1-D layout takes any
number of features: a leaking column appended to digits' pixels or a 100-feature synthetic set
trains the same network. Trained, seeded and recorded by
:func:`gapdoctor.bench.corpus.torch_mlp.torch_train_by_epoch` (one thread, deterministic on one
machine); the ``torch`` extra, imported only when a ``torch_cnn`` scenario is built.

The family is drawn only when named (``--models torch_cnn``): it came after the corpus's seeds were
read, so by default every seed draws what it drew before, and no scenario the scoring policy was
fitted on was trained by a CNN (a model family it never saw; see :data:`gapdoctor.bench.corpus.families.OPT_IN_MODELS`).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from gapdoctor.bench.corpus.torch_mlp import torch_module, torch_out_of_fold_probs, torch_train_by_epoch
from gapdoctor.bench.training import Trainer

__all__ = ["CHANNELS", "KERNEL", "TORCH_CNN", "cnn"]

CHANNELS = (8, 16)
"""Channels of the two convolutions (about 430 weights between them); the dense head after them holds the most
(on digits 16 channels x 16 positions = 256 inputs to the drawn width): a network of the MLPs' size."""
KERNEL = 3
"""Width of each convolution's kernel (padded to keep the length before each pooling)."""


def cnn(n_in: int, n_out: int, hidden: tuple[int, ...]) -> Any:
    """The CNN for ``n_in`` features and ``n_out`` classes; ``hidden``: the dense layers' widths after it.

    ``hidden=()`` (the logistic family's) still convolves: the head is then linear.
    """
    torch = torch_module()
    nn = torch.nn
    layers: list[Any] = [nn.Unflatten(1, (1, n_in))]
    channels, length = 1, n_in
    for out in CHANNELS:
        layers += [nn.Conv1d(channels, out, KERNEL, padding=KERNEL // 2), nn.ReLU()]
        channels = out
        if length >= 2:
            layers.append(nn.MaxPool1d(2))
            length //= 2
    layers.append(nn.Flatten())
    width = channels * length
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


TORCH_CNN = Trainer("torch_cnn", partial(torch_train_by_epoch, build=cnn), partial(torch_out_of_fold_probs, build=cnn))
"""The small torch CNN as a :class:`~gapdoctor.bench.training.Trainer`."""
