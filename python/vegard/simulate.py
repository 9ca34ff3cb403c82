"""Virtual experiments on the coupled ESM tip model (Eshghinejad et al., 2017): ``vegard
simulate esm`` from Python.

``esm(experiment, preset=..., mesh=..., settings={...}, **params)``: the model parameters
are the ``[params]`` keys of the CLI config (SI units: ``diffusivity``,
``baseline_concentration``, ``ac_frequency_hz``, …; see ``vegard simulate esm --help``);
``settings`` holds the experiment's ``[experiment]`` keys. The result carries the CLI's
JSON document and its data records as numpy arrays.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional

import numpy as np

from . import _progress, _vegard


def _arrays(value: Any) -> Any:
    """Lists of numbers (``None`` = NaN) become float64 arrays, recursively."""
    if isinstance(value, dict):
        return {k: _arrays(v) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in value):
            if any(isinstance(v, float) or v is None for v in value):
                return np.array([np.nan if v is None else v for v in value], dtype=float)
        return [_arrays(v) for v in value]
    return value


class EsmResult:
    """A finished virtual ESM experiment.

    * :attr:`record`: the CLI's JSON document (experiment, preset, mesh, params, settings,
      data, summary, provenance), exactly;
    * :attr:`data`: its records in the shared ESM data model, number columns as arrays;
    * :attr:`summary`, :attr:`lines`: the experiment's numbers and one line per result;
    * :meth:`write_report`, :meth:`write_json`, :meth:`write_nsid`: the CLI's products.
    """

    def __init__(self, document: str, lines: List[str], run: Optional["_vegard.EsmRun"] = None):
        self._document = document
        self.lines: List[str] = list(lines)
        self._run = run
        self._record: Optional[Dict[str, Any]] = None

    @property
    def record(self) -> Dict[str, Any]:
        if self._record is None:
            self._record = json.loads(self._document)
        return self._record

    @property
    def experiment(self) -> str:
        return self.record["experiment"]

    @property
    def data(self) -> List[Dict[str, Any]]:
        return _arrays(self.record["data"])

    @property
    def summary(self) -> Dict[str, Any]:
        return self.record["summary"]

    @property
    def params(self) -> Dict[str, Any]:
        return self.record["params"]

    def json(self) -> str:
        """The JSON document as text (as ``--json`` writes it)."""
        return self._document

    def _native(self) -> "_vegard.EsmRun":
        if self._run is None:
            raise RuntimeError("this result was unpickled: only its record travelled; write products where it ran")
        return self._run

    def write_json(self, path: "os.PathLike[str] | str") -> None:
        self._native().write_json(os.fsdecode(path))

    def write_nsid(self, path: "os.PathLike[str] | str") -> None:
        """The data records as NSID HDF5 (pycroscopy's pyNSID layout)."""
        self._native().write_nsid(os.fsdecode(path))

    def write_report(self, out: "os.PathLike[str] | str", force: bool = False) -> None:
        """result.json, result.h5, figures and report.html, as ``--out``."""
        self._native().write_products(os.fsdecode(out), force)

    def __getstate__(self):
        return {"document": self._document, "lines": self.lines}

    def __setstate__(self, state):
        self.__init__(state["document"], state["lines"])

    def __repr__(self) -> str:
        first = self.lines[0] if self.lines else ""
        return f"<vegard.simulate.EsmResult {self.experiment} ({self.record['preset']}): {first}>"


def esm(
    experiment: Optional[str] = None,
    *,
    preset: Optional[str] = None,
    mesh: Optional[str] = None,
    settings: Optional[Dict[str, Any]] = None,
    config: Optional["os.PathLike[str] | str"] = None,
    progress: Any = None,
    **params: float,
) -> EsmResult:
    """Run a virtual ESM experiment as ``vegard simulate esm`` does.

    Parameters
    ----------
    experiment
        amplitude, sweep, frequency, spectroscopy, relaxation or mapping (or from ``config``).
    preset
        Material of Table 1 of Eshghinejad et al. 2017: ``lifepo4`` (default) or ``ceria``.
    mesh
        ``coarse`` (h = 0.1 L under the tip) or ``default`` (h = 0.05 L).
    settings
        The experiment's settings (the ``[experiment]`` keys of the CLI config).
    config
        A TOML config as ``--config``; arguments win over it.
    progress
        ``True`` for a bar, a callable ``f(done, total)``, or ``None``.
    **params
        Model parameters in SI units (the ``[params]`` keys), e.g. ``diffusivity=1e-14``.
    """
    cb, close = _progress.make(progress, f"simulate esm {experiment or ''}".strip())
    try:
        run = _vegard.simulate_esm(
            experiment,
            preset,
            mesh,
            params or None,
            settings or None,
            os.fsdecode(config) if config is not None else None,
            cb,
            "python: vegard.simulate.esm",
        )
    finally:
        close()
    return EsmResult(run.json(), run.lines, run)


__all__ = ["esm", "EsmResult"]
