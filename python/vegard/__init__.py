"""vegard: electro-chemo-mechanics of battery materials probed by scanning probe microscopy.

The same Rust library as the ``vegard`` command line, from Python, with numpy arrays::

    import vegard
    ds = vegard.open("spot.jpk-force")            # any file vegard reads
    curve = ds.curve(0)                            # segments with channels, SI units
    res = vegard.nanomech.analyse("map.jpk-force-map", model="hertz-paraboloid",
                                  tip_radius="10um", poisson=0.5)
    res.records[0]["modulus_pa"], res.maps()["modulus"].data

Submodules: :mod:`vegard.nanomech` (force curves → modulus, adhesion, maps),
:mod:`vegard.simulate` (virtual ESM experiments), :mod:`vegard.dask` (the same on a Dask
cluster; imported on demand, needs ``dask[distributed]``). Errors are
:class:`vegard.VegardError` and its subclasses. Units are SI everywhere; names carry them
(``modulus_pa``, ``tip_radius_m``).
"""

from __future__ import annotations

import json as _json
import os as _os
from typing import Any, Dict, List, Union

from . import _vegard
from .errors import DataError, FormatError, OutputError, SettingsError, SimulationError, VegardError

__version__: str = _vegard.__version__

Dataset = _vegard.Dataset

PathLike = Union[str, "_os.PathLike[str]"]


def open(path: PathLike) -> "Dataset":  # noqa: A001 - the natural name, as in h5py / xarray
    """Open any file vegard reads (JPK, Bruker NanoScope, Asylum .ibw, CSV/text, .vgc).

    The format is found from the file's magic bytes, then its extension. Curves are read
    one at a time when asked (``ds.curve(i)``), so a 512 × 512 force volume costs nothing
    to open. Raises :class:`FormatError` naming the file and what is wrong with it.
    """
    if isinstance(path, Dataset):
        return path
    if not isinstance(path, (str, bytes, _os.PathLike)):
        raise TypeError(f"vegard.open: expected a path (str or os.PathLike), got {type(path).__name__}")
    return _vegard.open(_os.fsdecode(path))


def models() -> List[Dict[str, Any]]:
    """Every contact model of the registry: key, name, formula, parameters with units,
    the tip geometry it needs, its validity and its citation (``vegard models --json``)."""
    return _json.loads(_vegard.models_json())


from . import nanomech, simulate, synthetic  # noqa: E402  (after the names they use)

__all__ = [
    "open",
    "models",
    "Dataset",
    "nanomech",
    "simulate",
    "synthetic",
    "VegardError",
    "FormatError",
    "DataError",
    "SettingsError",
    "SimulationError",
    "OutputError",
    "__version__",
]
