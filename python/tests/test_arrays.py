"""Force curves held as numpy arrays are analysed like a file's curves: a noise-free Hertz
curve gives back its modulus to rounding, and arrays that cannot be analysed (NaN,
infinities, shapes) raise DataError naming the array and the position."""

import numpy as np
import pytest

import vegard

R, NU, K = 10e-6, 0.5, 0.05


def hertz_curve(e_pa, n=1000):
    """Heights (m) and forces (N) of a paraboloidal Hertz indentation (Hertz 1882; Sneddon
    1965): F = 4/3 · E/(1 − ν²) · √R · δ^{3/2}, contact at tip position 0, height = tip
    position − F/k."""
    x = np.linspace(2e-6, -1e-6, n)
    delta = np.clip(-x, 0.0, None)
    force = 4.0 / 3.0 * e_pa / (1 - NU**2) * np.sqrt(R) * delta**1.5
    return x - force / K, force


def test_hertz_modulus_recovered_to_rounding():
    z, f = hertz_curve(10e3)
    res = vegard.nanomech.analyse_arrays(z, f, model="hertz-paraboloid", tip_radius=R, poisson=NU, spring_constant=K)
    r = res.records[0]
    # Noise-free data and the model that made them: the fit converges to the truth; 1e-9
    # leaves room for the contact-point search's last bisection step, not for a model error.
    assert abs(r["modulus_pa"] - 10e3) / 10e3 < 1e-9, r["modulus_pa"]
    assert r["flags"] == [] and r["r2"] > 0.999999
    assert res.files == ["arrays"] and res.provenance["inputs"][0]["format"] == "arrays"
    assert len(res.provenance["inputs"][0]["sha256"]) == 64


def test_rows_are_curves():
    moduli = [2e3, 10e3, 50e3]
    zs, fs = zip(*(hertz_curve(e) for e in moduli))
    res = vegard.nanomech.analyse_arrays(
        np.array(zs), np.array(fs), model="hertz-paraboloid", tip_radius="10um", poisson=NU, spring_constant="50mN/m"
    )
    got = [r["modulus_pa"] for r in res.records]
    assert [r["index"] for r in res.records] == [0, 1, 2]
    for g, e in zip(got, moduli):
        assert abs(g - e) / e < 1e-9


def test_arrays_that_cannot_be_analysed():
    z, f = hertz_curve(10e3)
    kw = dict(model="hertz-paraboloid", tip_radius=R, poisson=NU, spring_constant=K)
    bad = f.copy()
    bad[12] = np.nan
    with pytest.raises(vegard.DataError, match=r"approach force\[12\] is NaN"):
        vegard.nanomech.analyse_arrays(z, bad, **kw)
    badz = z.copy()
    badz[-1] = np.inf
    with pytest.raises(vegard.DataError, match=r"approach height\[999\] is inf"):
        vegard.nanomech.analyse_arrays(badz, f, **kw)
    with pytest.raises(vegard.DataError, match="shape"):
        vegard.nanomech.analyse_arrays(z, f[:-1], **kw)
    with pytest.raises(vegard.DataError, match="3-D"):
        vegard.nanomech.analyse_arrays(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), **kw)
    with pytest.raises(vegard.DataError, match="both"):
        vegard.nanomech.analyse_arrays(z, f, z, **kw)
    with pytest.raises(vegard.DataError, match="not an array of numbers"):
        vegard.nanomech.analyse_arrays(["a", "b"], f, **kw)
    with pytest.raises(vegard.DataError, match="no samples"):
        vegard.nanomech.analyse_arrays(np.zeros(0), np.zeros(0), **kw)
    with pytest.raises(vegard.SettingsError, match="spring constant"):
        vegard.nanomech.analyse_arrays(z, f, model="hertz-paraboloid", tip_radius=R, poisson=NU)
    assert issubclass(vegard.DataError, ValueError)
