"""Force-curve nanomechanics: modulus, adhesion, deformation, dissipation and maps.

:func:`analyse` is ``vegard nanomech`` from Python. Its keyword settings are the keys of the
TOML config and of the JSON ``provenance.parameters`` block (``model``, ``tip_radius_m``,
``poisson``, ``min_r2``, …; one definition, in the Rust library), or their short names
(``tip_radius``, ``half_angle``, ``tip_modulus``, ``film_thickness``, ``weight_cp``,
``spring_constant``, ``sensitivity``), which take a number in SI units or a string with its
unit (``tip_radius="10um"``). The contact model, the tip geometry it needs and the
sample's Poisson ratio have no defaults. ``vegard.nanomech.settings_reference()`` lists every
key with its default and meaning.

Every curve is checked and flagged by default (``poor_fit`` below R² 0.9, ``beyond_validity``,
``negative_deformation``, …); a flagged curve keeps its numbers in :attr:`Results.records`
but is NaN on every map and left out of every summary.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

import numpy as np

from . import _progress, _vegard
from .errors import SettingsError

PathLike = Union[str, "os.PathLike[str]"]


def _paths(inputs: Any) -> List[str]:
    """Files, folders, glob patterns or datasets → the paths the library expands."""
    if isinstance(inputs, (str, bytes, os.PathLike, _vegard.Dataset)):
        inputs = [inputs]
    if not isinstance(inputs, Iterable):
        raise TypeError(f"inputs: expected a path, a Dataset or a list of them, got {type(inputs).__name__}")
    out = []
    for i, x in enumerate(inputs):
        if isinstance(x, _vegard.Dataset):
            out.append(x.path)
        elif isinstance(x, (str, bytes, os.PathLike)):
            out.append(os.fsdecode(x))
        else:
            raise TypeError(f"inputs[{i}]: expected a path or a Dataset, got {type(x).__name__}")
    if not out:
        raise SettingsError("no inputs: give files, folders or glob patterns")
    return out


class Map:
    """One map of a force volume: ``data`` (ny × nx, rows are scan lines, NaN where the
    curve is flagged), its ``unit``, and pixel-centre axes ``x_m``, ``y_m`` (None when the
    file gives no scan size)."""

    def __init__(self, d: Dict[str, Any]):
        self.name: str = d["name"]
        self.unit: str = d["unit"]
        self.data: np.ndarray = d["data"]
        self.size_m = d["size_m"]
        self.x_m: Optional[np.ndarray] = d["x_m"]
        self.y_m: Optional[np.ndarray] = d["y_m"]

    @property
    def extent_m(self) -> Optional[List[float]]:
        """(left, right, bottom, top) for ``matplotlib.pyplot.imshow(..., extent=)``."""
        if self.size_m is None:
            return None
        return [0.0, self.size_m[0], 0.0, self.size_m[1]]

    def __repr__(self) -> str:
        ny, nx = self.data.shape
        valid = int(np.isfinite(self.data).sum())
        return f"<vegard Map {self.name!r} [{self.unit}] {nx}×{ny}, {valid} valid pixels>"


class Results:
    """What :func:`analyse` gives: the CLI's JSON record, arrays, maps and products.

    * :attr:`records`: one dict per curve, exactly the CLI JSON's ``curves`` records
      (``modulus_pa``, ``contact_point_m``, ``r2``, ``flags``, …; ``None`` where NaN);
    * :attr:`arrays`: the same numbers as float64 arrays over all curves, plus ``valid``;
    * :meth:`maps`: the maps of a force volume, flagged curves NaN;
    * :meth:`to_pandas`, :meth:`to_xarray` when those packages are installed;
    * :meth:`write_report`, :meth:`write_json`, :meth:`write_gsf`: the CLI's products.

    Picklable (Dask returns them from workers); :meth:`merge` joins parts in order.
    """

    def __init__(self, batch: "_vegard.Batch"):
        self._batch = batch
        self._record: Optional[Dict[str, Any]] = None

    # -- the record -----------------------------------------------------------------
    @property
    def record(self) -> Dict[str, Any]:
        """The whole JSON record, as ``vegard nanomech --json`` writes it."""
        if self._record is None:
            self._record = json.loads(self._batch.json())
        return self._record

    @property
    def records(self) -> List[Dict[str, Any]]:
        """One dict per curve, in input and curve order (the JSON's ``curves``)."""
        return self.record["curves"]

    @property
    def summary(self) -> Dict[str, Any]:
        """Counts (valid, flagged by reason) and statistics over the valid curves."""
        return self.record["summary"]

    @property
    def provenance(self) -> Dict[str, Any]:
        """Software, version, inputs (SHA-256), every setting as used."""
        return self.record["provenance"]

    @property
    def settings_used(self) -> List[tuple]:
        """The settings as used, (key, value with unit), for people."""
        return self._batch.settings_used()

    @property
    def files(self) -> List[str]:
        """The inputs analysed, in order."""
        return self._batch.files

    @property
    def errors(self) -> List[tuple]:
        """Inputs that could not be analysed: (input, message)."""
        return self._batch.errors

    @property
    def outcome(self) -> str:
        """complete, some_inputs_failed, no_input_analysed or no_valid_curve."""
        return self._batch.outcome

    @property
    def n_curves(self) -> int:
        return self._batch.n_curves

    @property
    def n_valid(self) -> int:
        return self._batch.n_valid

    # -- arrays and maps --------------------------------------------------------------
    @property
    def arrays(self) -> Dict[str, np.ndarray]:
        """Per-curve numbers as float64 arrays (NaN where absent), plus ``valid`` (bool)
        and ``file_index``. Units in the names."""
        return self._batch.arrays()

    def maps(self, file: int = 0) -> Optional[Dict[str, Map]]:
        """The maps of input ``file`` if it is a force volume (modulus, adhesion,
        deformation, dissipation, peak_force, height, r2), else None."""
        m = self._batch.maps(file)
        return None if m is None else {k: Map(v) for k, v in m.items()}

    def to_pandas(self):
        """One row per curve (the records, flags joined by ``;``). Needs pandas."""
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("to_pandas needs pandas: pip install pandas") from e
        rows = []
        for r in self.records:
            row = {k: v for k, v in r.items() if k not in ("extra_params", "flags", "fit_range_m", "fit_force_range_n")}
            row["flags"] = ";".join(r["flags"])
            row["valid"] = not r["flags"]
            for name, value in r["extra_params"]:
                row[name] = value
            rows.append(row)
        return pd.DataFrame(rows)

    def to_xarray(self, file: int = 0):
        """The maps of input ``file`` as an ``xarray.Dataset`` on (y_m, x_m). Needs xarray."""
        try:
            import xarray as xr
        except ImportError as e:  # pragma: no cover
            raise ImportError("to_xarray needs xarray: pip install xarray") from e
        maps = self.maps(file)
        if maps is None:
            raise SettingsError(f"{self.files[file]} is not a force volume: no maps")
        first = next(iter(maps.values()))
        ny, nx = first.data.shape
        coords = {
            "y_m": first.y_m if first.y_m is not None else np.arange(ny, dtype=float),
            "x_m": first.x_m if first.x_m is not None else np.arange(nx, dtype=float),
        }
        data = {k: (("y_m", "x_m"), m.data, {"units": m.unit, "long_name": m.name}) for k, m in maps.items()}
        return xr.Dataset(data, coords=coords, attrs={"provenance": json.dumps(self.provenance)})

    # -- products ---------------------------------------------------------------------
    def write_report(
        self, out: "PathLike", force: bool = False, plot_curves: str = "gallery", plot_axis: str = "tip-position"
    ) -> List[str]:
        """Write every product of ``vegard nanomech --out``: report.html, results.csv/json,
        provenance.json, maps (PNG + GSF) and figures. Returns warnings."""
        return self._batch.write_products(os.fsdecode(out), force, plot_curves, plot_axis)

    write_products = write_report

    def write_json(self, path: "PathLike") -> None:
        """Write the JSON record (``vegard nanomech --json``)."""
        self._batch.write_json(os.fsdecode(path))

    def write_gsf(self, path: "PathLike", map: str = "modulus", file: int = 0) -> None:
        """Write one map as a Gwyddion ``.gsf`` (flagged pixels NaN)."""
        self._batch.write_gsf(os.fsdecode(path), map, file)

    # -- parts ------------------------------------------------------------------------
    @staticmethod
    def merge(parts: Sequence["Results"]) -> "Results":
        """Join results of separate calls (per file, per block of a volume) in order."""
        if not parts:
            raise SettingsError("merge: no results given")
        return Results(_vegard.Batch.merge([p._batch for p in parts]))

    def __getstate__(self):
        return {"batch": self._batch}

    def __setstate__(self, state):
        self._batch = state["batch"]
        self._record = None

    def __len__(self) -> int:
        return self.n_curves

    def __repr__(self) -> str:
        return repr(self._batch).replace("<vegard.nanomech batch", "<vegard.nanomech.Results", 1)


def analyse(
    inputs: Any,
    *,
    config: Optional["PathLike"] = None,
    progress: Any = None,
    **settings: Any,
) -> Results:
    """Analyse force curves as ``vegard nanomech`` does.

    Parameters
    ----------
    inputs
        A file, folder, glob pattern or :class:`vegard.Dataset`, or a list of them. Folders
        are searched recursively for files vegard reads.
    config
        A TOML settings file (the same as ``--config``); keyword settings win over it.
    progress
        ``True`` for a progress bar (tqdm if installed), a callable ``f(done, total)``, a
        tqdm bar, or ``None`` (default) for none. Ctrl-C stops the analysis.
    **settings
        ``model`` (required; see :func:`vegard.models`), ``tip_radius`` (m, or "10um") for
        spheres, paraboloids, DMT, JKR and films, ``half_angle`` (degrees) for cones and
        pyramids, ``poisson`` (required), and every other key of
        :func:`settings_reference`.

    Raises :class:`vegard.SettingsError` for settings that cannot work (before any file is
    read). Files that cannot be read are error rows (:attr:`Results.errors`), not
    exceptions: the other files complete.
    """
    paths = _paths(inputs)
    cb, close = _progress.make(progress, "nanomech")
    try:
        batch = _vegard.analyse(
            paths, settings, os.fsdecode(config) if config is not None else None, cb, "python: vegard.nanomech.analyse"
        )
    finally:
        close()
    return Results(batch)


def analyse_arrays(
    approach_height_m: Any,
    approach_force_n: Any,
    retract_height_m: Any = None,
    retract_force_n: Any = None,
    *,
    name: str = "arrays",
    config: Optional["PathLike"] = None,
    progress: Any = None,
    **settings: Any,
) -> Results:
    """Analyse force curves you hold as arrays (from another reader, a simulation, a
    notebook), exactly as a file's curves are analysed.

    Parameters
    ----------
    approach_height_m, approach_force_n
        The approach segment: the z piezo height in metres (larger = tip further from the
        sample) and the force in newtons. 1-D for one curve, 2-D (one row per curve) for
        several curves of equal length.
    retract_height_m, retract_force_n
        The retract segment, if any (needed by models fitted on the retract, dmt and jkr,
        and for adhesion and dissipation).
    name
        The input's name in the records and the provenance (its hash is taken over the
        numbers).
    **settings
        As for :func:`analyse`; ``spring_constant`` (N/m) is required, since arrays carry
        no calibration (the tip position is height + F/k).

    Raises :class:`vegard.DataError` for arrays that cannot be analysed (NaN or infinite
    samples, naming the array and the position; shapes that differ) and
    :class:`vegard.SettingsError` for settings that cannot work.
    """
    from .errors import DataError

    def rows(what: str, a: Any) -> np.ndarray:
        try:
            arr = np.asarray(a, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise DataError(f"{what}: not an array of numbers ({e})") from e
        if arr.ndim == 0 or arr.ndim > 2:
            raise DataError(f"{what}: expected a 1-D array (one curve) or a 2-D array (a row per curve), got {arr.ndim}-D")
        return np.ascontiguousarray(np.atleast_2d(arr))

    segments = [("approach", rows("approach_height_m", approach_height_m), rows("approach_force_n", approach_force_n))]
    if (retract_height_m is None) != (retract_force_n is None):
        raise DataError("give both retract_height_m and retract_force_n, or neither")
    if retract_height_m is not None:
        segments.append(("retract", rows("retract_height_m", retract_height_m), rows("retract_force_n", retract_force_n)))
    cb, close = _progress.make(progress, "nanomech")
    try:
        batch = _vegard.analyse_arrays(
            segments,
            settings,
            os.fsdecode(config) if config is not None else None,
            str(name),
            cb,
            "python: vegard.nanomech.analyse_arrays",
        )
    finally:
        close()
    return Results(batch)


def check_settings(*, config: Optional["PathLike"] = None, **settings: Any) -> List[tuple]:
    """Check settings without reading any file: the settings as they would be used, or
    :class:`vegard.SettingsError` saying what is wrong."""
    return _vegard.check_settings(settings, os.fsdecode(config) if config is not None else None)


def settings_reference() -> List[Dict[str, Any]]:
    """Every settings key (the TOML / JSON key): its meaning, its default (None where the
    user must choose), and its short name and unit where it has one."""
    short = {key: (name, unit) for name, key, unit in _vegard.settings_short_names()}
    out = []
    for key, meaning, default in _vegard.settings_keys():
        name, unit = short.get(key, (None, None))
        out.append(
            {
                "key": key,
                "short_name": name,
                "unit": unit,
                "default": json.loads(default) if default else None,
                "meaning": meaning,
            }
        )
    return out


__all__ = ["analyse", "analyse_arrays", "Results", "Map", "check_settings", "settings_reference"]
