"""Settings from Python are the library's: the TOML keys or their short names with units,
no silent physical defaults, and clear exceptions for what cannot work."""

import math

import pytest

import vegard
from conftest import require_shared

SPOT = ("forcecurves", "fmt-jpk-fd_spot3-0192.jpk-force")


def test_short_names_units_and_keys_give_the_same_settings():
    a = vegard.nanomech.check_settings(model="hertz-paraboloid", tip_radius="10um", poisson=0.5)
    b = vegard.nanomech.check_settings(model="hertz-paraboloid", tip_radius=10e-6, poisson=0.5)
    c = vegard.nanomech.check_settings(model="hertz-paraboloid", tip_radius_m=1e-5, poisson=0.5)
    assert a == b == c
    assert ("tip radius", "10 µm") in a or any("10" in v and "tip" in k for k, v in a)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"tip_radius": "10um", "poisson": 0.5}, "choose a contact model"),
        ({"model": "hertz-paraboloid", "tip_radius": "10um"}, "Poisson"),
        ({"model": "hertz-paraboloid", "poisson": 0.5}, "tip radius"),
        ({"model": "hertz-paraboloid", "tip_radius": 10, "poisson": 0.5}, "did you mean 10nm or 10um"),
        ({"model": "cone", "tip_radius": "20nm", "half_angle": 20, "poisson": 0.5}, "does not use a tip radius"),
        ({"model": "cone", "poisson": 0.5}, "half"),
        ({"model": "hertz-paraboloid", "tip_radius": "10um", "poisson": 0.5, "tip_raduis": 1}, "unknown field `tip_raduis`"),
        ({"model": "hertz-paraboloid", "tip_radius": "10 furlongs", "poisson": 0.5}, "tip_radius"),
        ({"model": "hertz-paraboloid", "tip_radius": float("nan"), "poisson": 0.5}, "finite"),
        ({"model": "hertz-paraboloid", "tip_radius": "10um", "poisson": 0.5, "min_r2": [1, 2, 3]}, "min_r2"),
        ({"model": "hertz-paraboloid", "tip_radius": "10um", "tip_radius_m": 1e-5, "poisson": 0.5}, "given twice"),
        ({"model": "no-such-model", "tip_radius": "10um", "poisson": 0.5}, "unknown model"),
        ({"model": "hertz-paraboloid", "tip_radius": -5e-6, "poisson": 0.5}, "must be > 0"),
        ({"model": "hertz-paraboloid", "tip_radius": "10um", "poisson": 0.7}, "Poisson|poisson"),
        ({"model": "hertz-paraboloid", "tip_radius": object(), "poisson": 0.5}, "not a setting value"),
    ],
)
def test_settings_that_cannot_work_raise_settings_error(kwargs, match):
    with pytest.raises(vegard.SettingsError, match=match):
        vegard.nanomech.check_settings(**kwargs)


def test_settings_error_is_a_value_error_and_raised_before_reading(tmp_path):
    # The file does not exist: the settings are checked first.
    with pytest.raises(ValueError):
        vegard.nanomech.analyse(tmp_path / "missing.jpk-force", model="hertz-paraboloid", poisson=0.5)


def test_wrong_input_types():
    with pytest.raises(TypeError):
        vegard.nanomech.analyse(3.5, model="hertz-paraboloid", tip_radius="1um", poisson=0.5)
    with pytest.raises(TypeError):
        vegard.nanomech.analyse([object()], model="hertz-paraboloid", tip_radius="1um", poisson=0.5)
    with pytest.raises(vegard.SettingsError, match="no inputs"):
        vegard.nanomech.analyse([], model="hertz-paraboloid", tip_radius="1um", poisson=0.5)
    with pytest.raises(TypeError):
        vegard.nanomech.analyse("x", progress=42, model="hertz-paraboloid", tip_radius="1um", poisson=0.5)


def test_config_file_and_keywords_layer(tmp_path):
    spot = require_shared(*SPOT)
    cfg = tmp_path / "nanomech.toml"
    cfg.write_text('model = "hertz-paraboloid"\ntip_radius_m = 10e-6\npoisson = 0.5\n')
    a = vegard.nanomech.analyse(spot, config=cfg)
    b = vegard.nanomech.analyse(spot, model="hertz-paraboloid", tip_radius="10um", poisson=0.5)
    assert a.records == b.records
    # Keywords win over the file.
    c = vegard.nanomech.analyse(spot, config=cfg, poisson=0.3)
    assert c.provenance["parameters"]["poisson"] == 0.3
    assert c.records[0]["modulus_pa"] != b.records[0]["modulus_pa"]
    bad = tmp_path / "bad.toml"
    bad.write_text("model = \n")
    with pytest.raises(vegard.SettingsError, match="bad.toml"):
        vegard.nanomech.analyse(spot, config=bad)


def test_settings_reference_lists_every_key_with_defaults():
    ref = {r["key"]: r for r in vegard.nanomech.settings_reference()}
    assert ref["model"]["default"] is None  # no silent physical default
    assert ref["poisson"]["default"] is None
    assert ref["tip_radius_m"]["short_name"] == "tip_radius" and ref["tip_radius_m"]["unit"] == "m"
    assert ref["min_r2"]["default"] == 0.9
    assert ref["correct_tip_offset"]["default"] is True
    assert all(r["meaning"] for r in ref.values())
    assert math.isclose(ref["max_indentation_ratio"]["default"], 1.0)


def test_numpy_values_are_settings_values():
    import numpy as np

    a = vegard.nanomech.check_settings(
        model="dmt", tip_radius=np.float64(20e-9), poisson=np.float32(0.25), window=np.array([0.3, 0.9])
    )
    b = vegard.nanomech.check_settings(model="dmt", tip_radius=20e-9, poisson=0.25, window=[0.3, 0.9])
    assert a == b
    with pytest.raises(vegard.SettingsError, match="window"):
        vegard.nanomech.check_settings(model="dmt", tip_radius=20e-9, poisson=0.3, window=np.array([0.3, np.nan]))
    with pytest.raises(vegard.SettingsError, match="window"):
        vegard.nanomech.check_settings(model="dmt", tip_radius=20e-9, poisson=0.3, window={"a": 1})
