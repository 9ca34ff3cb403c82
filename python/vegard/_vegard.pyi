"""Type stubs of the native module ``vegard._vegard`` (the PyO3 extension). Users call the
pure-Python wrappers (``vegard.open``, ``vegard.nanomech``, ``vegard.simulate``,
``vegard.dask``); these stubs let editors complete and check the layer underneath."""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

__version__: str

ProgressCallback = Callable[[int, int], Any]

class Dataset:
    """A readable file: force curves (read one at a time) or images, with calibration
    and metadata. Returned by :func:`open`."""

    @property
    def path(self) -> str: ...
    @property
    def format(self) -> str:
        """Format recipe key, e.g. ``jpk``, ``nanoscope``, ``ibw``, ``vgc``."""
    @property
    def kind(self) -> str:
        """``"curves"`` or ``"images"``."""
    @property
    def n_curves(self) -> int: ...
    @property
    def grid(self) -> Optional[Tuple[int, int]]:
        """(nx, ny) of a force volume, or None."""
    @property
    def scan_size_m(self) -> Optional[Tuple[float, float]]:
        """Scan size (x, y) in metres, when the file gives it."""
    @property
    def channels(self) -> List[Tuple[str, str]]:
        """(channel key, SI unit) of the first curve (force [N], height_piezo [m], …)."""
    @property
    def segments(self) -> List[str]: ...
    @property
    def calibration(self) -> Dict[str, Optional[float]]:
        """``spring_constant_n_per_m`` (N/m) and ``sensitivity_m_per_v`` (m/V)."""
    @property
    def metadata(self) -> Dict[str, Any]: ...
    @property
    def metadata_units(self) -> Dict[str, str]: ...
    def curve(self, index: int) -> Dict[str, Any]:
        """Curve ``index`` (negative counts from the end): index, grid, position_m,
        calibration, metadata and segments, each with ``channels`` {key: float64 array in
        SI units}, ``units`` and the vendor's ``names``."""
    def images(self) -> List[Dict[str, Any]]:
        """Images of an image file: name, unit, data (ny × nx float64), size_m, x_m, y_m."""
    def describe(self) -> str:
        """What ``vegard info`` prints."""
    def __len__(self) -> int: ...

def open(path: str) -> Dataset: ...

class Batch:
    """A nanomechanics batch (see ``vegard.nanomech.Results``)."""

    def json(self) -> str: ...
    def arrays(self) -> Dict[str, npt.NDArray[Any]]: ...
    def maps(self, file: int = 0) -> Optional[Dict[str, Dict[str, Any]]]: ...
    @property
    def files(self) -> List[str]: ...
    @property
    def errors(self) -> List[Tuple[str, str]]: ...
    @property
    def n_curves(self) -> int: ...
    @property
    def n_valid(self) -> int: ...
    @property
    def outcome(self) -> str: ...
    def summary_line(self) -> str: ...
    def settings_used(self) -> List[Tuple[str, str]]: ...
    def write_json(self, path: str) -> None: ...
    def write_products(
        self, out: str, force: bool = False, plot_curves: str = "gallery", plot_axis: str = "tip-position"
    ) -> List[str]: ...
    def write_gsf(self, path: str, map: str = "modulus", file: int = 0) -> None: ...
    @staticmethod
    def merge(parts: Sequence[Batch]) -> Batch: ...
    def __len__(self) -> int: ...

def analyse(
    inputs: Sequence[str],
    settings: Optional[Dict[str, Any]] = None,
    config: Optional[str] = None,
    progress: Optional[ProgressCallback] = None,
    command: Optional[str] = None,
) -> Batch: ...
def analyse_block(
    path: str,
    start: int,
    stop: int,
    settings: Optional[Dict[str, Any]] = None,
    config: Optional[str] = None,
    command: Optional[str] = None,
    hash: Optional[bool] = None,
) -> Batch: ...
def analyse_arrays(
    segments: Sequence[Tuple[str, npt.NDArray[np.float64], npt.NDArray[np.float64]]],
    settings: Optional[Dict[str, Any]] = None,
    config: Optional[str] = None,
    name: str = "arrays",
    progress: Optional[ProgressCallback] = None,
    command: Optional[str] = None,
) -> Batch: ...
def count_curves(path: str) -> int: ...
def expand_inputs(inputs: Sequence[str]) -> Tuple[List[str], List[Tuple[str, str]]]: ...
def check_settings(settings: Optional[Dict[str, Any]] = None, config: Optional[str] = None) -> List[Tuple[str, str]]: ...

class EsmRun:
    """A finished virtual ESM experiment (see ``vegard.simulate.EsmResult``)."""

    def json(self) -> str: ...
    @property
    def lines(self) -> List[str]: ...
    @property
    def experiment(self) -> str: ...
    def write_json(self, path: str) -> None: ...
    def write_nsid(self, path: str) -> None: ...
    def write_products(self, out: str, force: bool = False) -> None: ...

def simulate_esm(
    experiment: Optional[str],
    preset: Optional[str] = None,
    mesh: Optional[str] = None,
    params: Optional[Dict[str, float]] = None,
    settings: Optional[Dict[str, Any]] = None,
    config: Optional[str] = None,
    progress: Optional[ProgressCallback] = None,
    command: Optional[str] = None,
) -> EsmRun: ...
def models_json() -> str: ...
def settings_short_names() -> List[Tuple[str, str, str]]: ...
def settings_keys() -> List[Tuple[str, str, str]]: ...
def write_sei_volume(path: str, pixels: int = 64, points: int = 500, size_m: float = 2e-6, seed: int = 1) -> None: ...
