import gapdoctor


def test_exported_names_are_exactly_the_public_api() -> None:
    assert gapdoctor.__all__ == sorted(gapdoctor.__all__)
    assert set(gapdoctor.__all__) == {
        "CAUSES",
        "CheckRun",
        "Diagnosis",
        "ExperimentSettings",
        "Finding",
        "GapdoctorInputError",
        "__version__",
        "diagnose",
        "diagnose_search",
    }
    for name in gapdoctor.__all__:
        assert hasattr(gapdoctor, name)


def test_cause_vocabulary_is_exactly_design_md() -> None:
    assert gapdoctor.CAUSES == (
        "overfitting",
        "label_noise",
        "metric_mismatch",
        "distribution_shift",
        "small_validation_set",
        "subgroup_failure",
        "optimization",
        "preprocessing_leakage",
        "pipeline_bug",
        "pseudo_label_noise",
        "metric_saturation",
        "search_noise",
    )


def test_input_error_is_a_value_error() -> None:
    assert issubclass(gapdoctor.GapdoctorInputError, ValueError)
