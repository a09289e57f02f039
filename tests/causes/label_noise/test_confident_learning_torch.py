"""The torch label pass against the numpy one: the same counts, thresholds and flagged rows.

Run on CPU tensors here (the same torch code path a GPU runs, ``device="cpu"``); on a CUDA
tensor when a GPU is present (skipped cleanly otherwise).
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

import gapdoctor
from gapdoctor.causes.label_noise.confident_learning import LabelIssues, find_label_issues

torch = pytest.importorskip("torch")

from gapdoctor.causes.label_noise.confident_learning_torch import _row_sums, find_label_issues_torch  # noqa: E402
from gapdoctor.inputs.probabilities import validated_probability_tensor  # noqa: E402


def _noisy(n: int, k: int, seed: int, dtype: type) -> tuple[NDArray[np.int64], NDArray[np.floating]]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), y] += 2.5
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    p = p.astype(dtype)
    p[: n // 50] = p[n // 50 : 2 * (n // 50)]  # repeated rows: tied margins at the quota bars
    flip = rng.random(n) < 0.2
    y[flip] = rng.integers(0, k, int(flip.sum()))
    return y, p


def _assert_same(a: LabelIssues, b: LabelIssues) -> None:
    np.testing.assert_array_equal(a.confident_joint, b.confident_joint)
    np.testing.assert_array_equal(a.unconfident, b.unconfident)
    np.testing.assert_allclose(a.thresholds, b.thresholds, rtol=1e-14, atol=0)  # sums in another order
    np.testing.assert_array_equal(a.rows, b.rows)
    np.testing.assert_array_equal(a.suggested, b.suggested)
    np.testing.assert_array_equal(a.self_confidence, b.self_confidence)
    np.testing.assert_array_equal(a.margin, b.margin)
    assert a.noise_rate == b.noise_rate


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [2, 3, 10])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_torch_pass_on_cpu_equals_the_numpy_pass(seed: int, k: int, dtype: type) -> None:
    y, p = _noisy(6_000, k, seed, dtype)
    expected = find_label_issues(y, p, chunk_rows=1_000)
    assert len(expected.rows) > 100  # the comparison covers many flagged rows
    got = find_label_issues_torch(torch.from_numpy(y), torch.from_numpy(p), chunk_rows=700, device="cpu")
    _assert_same(got, expected)


@pytest.mark.parametrize("k", [2, 7, 8, 9, 10, 17, 130, 300])
def test_row_sums_add_in_numpy_order(k: int) -> None:
    p = np.random.default_rng(k).random((2_000, k))
    np.testing.assert_array_equal(_row_sums(torch.from_numpy(p)).numpy(), p.sum(axis=1))


def test_a_cpu_tensor_through_diagnose_flags_the_rows_numpy_flags() -> None:
    y, p = _noisy(3_000, 3, 5, np.float32)
    from_numpy = gapdoctor.diagnose(y_train=y, train_probs=p)
    from_torch = gapdoctor.diagnose(y_train=torch.from_numpy(y), train_probs=torch.from_numpy(p))
    assert from_torch.to_dict()["findings"] == from_numpy.to_dict()["findings"]  # checks carry timings
    numpy_pass = find_label_issues(y, p)
    torch_pass = find_label_issues_torch(y, torch.from_numpy(p), device="cpu")
    _assert_same(torch_pass, numpy_pass)
    label_finding = next(f for f in from_torch.to_dict()["findings"] if f["cause"] == "label_noise")
    assert label_finding["rows"][:20] == torch_pass.rows[:20].tolist()


def _error(call: object) -> str:
    with pytest.raises(gapdoctor.GapdoctorInputError) as caught:
        call()  # type: ignore[operator]
    return str(caught.value)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(lambda p: p.__setitem__((5, 1), float("nan")) or p, id="nan"),
        pytest.param(lambda p: p[:, :2] * 1.5, id="rows-not-summing-to-one"),
        pytest.param(lambda p: p[:-1], id="wrong-rows"),
        pytest.param(lambda p: p[None], id="wrong-shape"),
        pytest.param(lambda p: p * 3.0, id="logits"),
    ],
)
def test_tensor_validation_gives_the_numpy_message(bad: object) -> None:
    y, p = _noisy(200, 3, 0, np.float64)
    wrong = bad(torch.from_numpy(p.copy()))  # type: ignore[operator]
    on_device = _error(lambda: validated_probability_tensor("train_probs", wrong, len(y), "y_train"))
    through_diagnose = _error(lambda: gapdoctor.diagnose(y_train=y, train_probs=wrong))
    assert on_device == through_diagnose
    assert on_device.startswith("train_probs")


def test_a_valid_tensor_passes_validation_unchanged() -> None:
    _, p = _noisy(200, 3, 0, np.float32)
    tensor = torch.from_numpy(p)
    same = validated_probability_tensor("train_probs", tensor, 200, "y_train")
    assert same.data_ptr() == tensor.data_ptr() and same.dtype == torch.float32  # no copy, dtype kept
    binary = validated_probability_tensor("train_probs", torch.tensor([0.2, 0.9], dtype=torch.float64), 2, "y_train")
    np.testing.assert_allclose(binary.numpy(), [[0.8, 0.2], [0.1, 0.9]])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [2, 3, 10])
def test_cuda_pass_equals_the_numpy_pass(k: int, dtype: type) -> None:
    y, p = _noisy(20_000, k, 0, dtype)
    expected = find_label_issues(y, p, chunk_rows=3_000)
    got = find_label_issues_torch(torch.from_numpy(y).cuda(), torch.from_numpy(p).cuda(), chunk_rows=5_000)
    _assert_same(got, expected)


def test_the_label_check_runs_the_device_pass_on_the_evidence_tensor() -> None:
    from dataclasses import replace

    from gapdoctor.causes.label_noise.check import label_issues_of
    from gapdoctor.inputs.evidence import build_evidence

    y, p = _noisy(3_000, 3, 7, np.float32)
    evidence = build_evidence(y_train=y, train_probs=torch.from_numpy(p))
    assert evidence.train_probs_device is None  # a CPU tensor is read as numpy (no copy)
    on_device = replace(evidence, train_probs_device=torch.from_numpy(p))  # as a GPU tensor is kept
    _assert_same(label_issues_of(on_device), label_issues_of(evidence))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_diagnose_on_a_cuda_tensor_equals_diagnose_on_numpy() -> None:
    y, p = _noisy(20_000, 10, 3, np.float32)
    from_numpy = gapdoctor.diagnose(y_train=y, train_probs=p)
    from_cuda = gapdoctor.diagnose(y_train=torch.from_numpy(y).cuda(), train_probs=torch.from_numpy(p).cuda())
    assert from_cuda.to_dict()["findings"] == from_numpy.to_dict()["findings"]
