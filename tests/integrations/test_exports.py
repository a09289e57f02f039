"""The public names of the integrations, and the install hint when a framework is missing."""

from __future__ import annotations

import importlib

import pytest

import gapdoctor.integrations


def test_exported_names() -> None:
    assert gapdoctor.integrations.__all__ == ["Recorder"]
    for module, names in (
        ("gapdoctor.integrations.lightning", ["GapdoctorCallback"]),
        ("gapdoctor.integrations.transformers", ["GapdoctorCallback"]),
        ("gapdoctor.integrations.keras", ["GapdoctorCallback"]),
        ("gapdoctor.integrations.torch_loop", ["Monitor", "RowIndexed"]),
    ):
        assert importlib.import_module(module).__all__ == names  # importing never needs the framework


@pytest.mark.parametrize(
    ("module", "framework", "extra"),
    [
        ("gapdoctor.integrations.lightning", "lightning.pytorch", "lightning"),
        ("gapdoctor.integrations.transformers", "transformers", "transformers"),
        ("gapdoctor.integrations.keras", "keras", "keras"),
    ],
)
def test_missing_framework_names_the_extra(module: str, framework: str, extra: str) -> None:
    try:
        importlib.import_module(framework)
    except ImportError:
        with pytest.raises(ImportError, match=rf"pip install 'gapdoctor\[{extra}\]'"):
            importlib.import_module(module).GapdoctorCallback  # noqa: B018
    else:
        assert importlib.import_module(module).GapdoctorCallback.__name__ == "GapdoctorCallback"
    with pytest.raises(AttributeError):
        importlib.import_module(module).NoSuchName  # noqa: B018
