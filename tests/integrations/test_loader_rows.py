"""LoaderRows: the row ids of each batch, read from a real DataLoader's batch sampler."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.utils.data import DataLoader, IterableDataset, TensorDataset  # noqa: E402

from gapdoctor import GapdoctorInputError  # noqa: E402
from gapdoctor.integrations.loader_rows import LoaderRows  # noqa: E402
from gapdoctor.torch import Monitor  # noqa: E402

N_ROWS = 103  # not a multiple of the batch size: a short last batch


def own_index_loader(**options: Any) -> DataLoader[Any]:
    """Each row's label is its own index: a batch's labels are its row ids."""
    data = TensorDataset(torch.arange(N_ROWS, dtype=torch.float32).reshape(-1, 1), torch.arange(N_ROWS))
    return DataLoader(data, **{"batch_size": 10, **options})


@pytest.mark.parametrize("options", [{"shuffle": True}, {"shuffle": False}, {"shuffle": True, "num_workers": 2}])
def test_each_batch_gets_its_own_row_ids_and_the_batches_are_unchanged(options: dict[str, Any]) -> None:
    loader = own_index_loader(generator=torch.Generator().manual_seed(0), **options)
    before = [y.tolist() for _, y in loader]
    loader.generator.manual_seed(0)
    rows = LoaderRows()
    assert rows.watch(loader) is None
    for _ in range(2):  # two passes (epochs)
        seen = []
        for _, y in loader:
            ids = rows.take(len(y), y, None)
            assert ids is not None and ids.tolist() == y.tolist()
            seen.append(y.tolist())
        if not options["shuffle"]:
            assert seen == before  # same sampler, same batches
    assert len(loader) == 11 and loader.batch_size == 10  # the loader's own attributes still answer


def test_unwatch_gives_the_loader_its_own_batch_sampler_back() -> None:
    loader = own_index_loader(shuffle=True)
    own = loader.batch_sampler
    rows = LoaderRows()
    rows.watch(loader)
    assert loader.batch_sampler is not own and loader.batch_sampler.sampler is own.sampler
    batches = iter(loader)
    _, y = next(batches)
    rows.unwatch()
    assert loader.batch_sampler is own
    assert rows.take(len(y)).tolist() == y.tolist()  # the pass under way is still followed
    rows.unwatch()  # twice: nothing happens


def test_a_pass_broken_off_leaves_nothing_behind() -> None:
    loader = own_index_loader(shuffle=True)
    rows = LoaderRows()
    rows.watch(loader)
    for i, (_, y) in enumerate(loader):
        rows.take(len(y))
        if i == 2:
            break  # the sampler has yielded more than was taken (the loader prefetches)
    for _, y in loader:
        assert rows.take(len(y)).tolist() == y.tolist()


def test_batches_that_do_not_follow_the_loader_raise() -> None:
    loader = own_index_loader(shuffle=False)
    rows = LoaderRows()
    rows.watch(loader)
    batches = iter(loader)
    _, y = next(batches)
    with pytest.raises(GapdoctorInputError, match="train_loader"):
        rows.take(len(y) + 1)  # a batch of another size
    assert LoaderRows().take(3) is None  # no pass began since the watch (Lightning's first epoch): unknown
    rows.new_pass()
    with pytest.raises(GapdoctorInputError, match="yielded no batch"):
        rows.take(10)  # logged with no batch yielded in this pass
    checked, checked_rows = own_index_loader(shuffle=False), LoaderRows()
    checked_rows.watch(checked)
    _, y = next(iter(checked))
    with pytest.raises(GapdoctorInputError, match="labels differ"):
        checked_rows.take(len(y), y + 1, np.arange(N_ROWS))  # the pass's first batch, against known labels


def test_loaders_whose_rows_cannot_be_known_say_why() -> None:
    class Stream(IterableDataset[int]):
        def __iter__(self) -> Any:
            return iter(range(5))

    assert "IterableDataset" in (LoaderRows().watch(DataLoader(Stream(), batch_size=2)) or "")
    assert "batch sampler" in (LoaderRows().watch(own_index_loader(batch_size=None)) or "")
    assert "not a torch DataLoader" in (LoaderRows().watch([1, 2, 3]) or "")


def test_a_monitor_logging_each_batch_twice_switches_the_dynamics_off_once(caplog: pytest.LogCaptureFixture) -> None:
    loader = own_index_loader(shuffle=True)
    monitor = Monitor(train_loader=loader, store=False)
    logits = torch.zeros(10, N_ROWS)
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        for _ in range(2):
            for _, y in loader:
                monitor.log_batch(1.0, logits=logits[: len(y)], labels=y)
                monitor.log_batch(1.0, logits=logits[: len(y)], labels=y)  # twice: the loader yielded it once
            monitor.end_epoch(val_loss=1.0)
    said = [r.getMessage() for r in caplog.records if "training dynamics" in r.getMessage()]
    assert len(said) == 1 and "once per batch" in said[0]
    assert monitor.epochs == 2 and monitor.training_dynamics is None  # the curves go on


def test_a_monitor_without_row_ids_says_how_to_give_them(caplog: pytest.LogCaptureFixture) -> None:
    loader = own_index_loader(shuffle=True)
    monitor = Monitor(store=False, n_train=N_ROWS)
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        for _, y in loader:
            monitor.log_batch(1.0, logits=torch.zeros(len(y), N_ROWS), labels=y)
        monitor.end_epoch(val_loss=1.0)
    said = [r.getMessage() for r in caplog.records if "no row ids" in r.getMessage()]
    assert len(said) == 1 and "train_loader" in said[0] and monitor.training_dynamics is None
