"""causes.payload: figure() / plot() fields, where they land and how they round-trip."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import pytest

from gapdoctor.causes.payload import Payload, figure, plot


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Example(Payload):
    CHECK: ClassVar[str] = ""  # not registered: a throw-away payload
    shown: int = figure()
    renamed: str = figure(key="shown name")
    maybe: float | None = figure(omit_none=True)
    ranked: dict[str, str] = figure(spread=True, default_factory=dict)
    curve: list[float] = plot()
    band: list[float] = plot(default_factory=list)
    label: str = plot(default="none")


def test_figure_fields_go_to_evidence_and_plot_fields_to_data_in_declaration_order():
    example = _Example(shown=1, renamed="a", ranked={"ranked_1": "x"}, curve=[0.5])
    assert example.evidence() == {"shown": 1, "shown name": "a", "ranked_1": "x"}
    assert list(example.data().items()) == [("curve", [0.5]), ("band", []), ("label", "none")]


def test_omit_none_defaults_to_none_and_is_left_out_until_set():
    assert "maybe" not in _Example(shown=1, renamed="a", curve=[]).evidence()
    assert _Example(shown=1, renamed="a", curve=[], maybe=0.25).evidence()["maybe"] == 0.25


def test_fields_round_trip_through_evidence_and_data():
    example = _Example(shown=2, renamed="b", maybe=0.5, ranked={"ranked_1": "y"}, curve=[1.0], band=[2.0])
    assert _Example.from_parts(example.evidence(), example.data()) == example


def test_a_misspelt_option_is_an_error_when_the_payload_is_declared():
    with pytest.raises(TypeError):
        figure(omit_nones=True)
    with pytest.raises(TypeError):
        plot(kye="x")
