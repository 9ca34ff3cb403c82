"""vegard on a Dask cluster: the same analyses and simulations, spread over workers with
``dask.distributed`` (``pip install "vegard[dask]"``).

* :func:`analyse_files`: many files, one task per file (or per group of small files);
* :func:`analyse_volume`: one large force volume, in blocks of curves that each worker reads
  straight from the file (only the path travels, never the data);
* :func:`esm_sweep`: virtual ESM experiments over a grid of model parameters, one task per
  point.

Each gives exactly what the serial call gives: :func:`analyse_files` and
:func:`analyse_volume` the :class:`vegard.nanomech.Results` of
:func:`vegard.nanomech.analyse` (the same records in the same order, the same maps, the same
error rows; only the provenance's ``command`` and ``created_utc`` differ), :func:`esm_sweep`
the :class:`vegard.simulate.EsmResult` of :func:`vegard.simulate.esm` at every point.

Any ``distributed`` client works, and the code is the same for all of them::

    from distributed import Client, LocalCluster
    import vegard.dask

    client = Client(LocalCluster(n_workers=4, threads_per_worker=1))   # this machine
    client = Client("tcp://scheduler:8786")                            # a running cluster
    res = vegard.dask.analyse_files("maps/*.jpk-force-map", client,
                                    model="hertz-paraboloid", tip_radius="10um", poisson=0.5)

On a SLURM cluster, dask-jobqueue starts the workers as batch jobs::

    from dask_jobqueue import SLURMCluster
    cluster = SLURMCluster(cores=16, processes=4, memory="32GB", walltime="01:00:00",
                           job_script_prologue=["export RAYON_NUM_THREADS=4"])
    cluster.scale(jobs=8)                      # 8 nodes × 4 worker processes
    client = Client(cluster)
    res = vegard.dask.analyse_volume("/scratch/map.vgc", client, model="dmt",
                                     tip_radius=20e-9, poisson=0.3)

The workers must see the files under the same paths as the client (a shared file system),
and have the same vegard installed. A task's analysis runs in the worker process on
vegard's own thread pool (rayon), which by default uses every core of the machine; with
several worker processes per machine, set ``RAYON_NUM_THREADS`` in the workers'
environment to the cores each worker should use (cores / processes), as above, or with
``LocalCluster(..., env={"RAYON_NUM_THREADS": "1"})``.

A task that fails with an unexpected exception (a file system that hiccups) is retried
``retries`` times; a task whose worker dies (killed, out of memory, node lost) is computed
again on another worker by the scheduler (up to ``distributed.scheduler.allowed-failures``
times), so a lost worker does not change the result. Files that cannot be read are error
rows, as in the serial call, not exceptions; settings that cannot work raise
:class:`vegard.SettingsError` before any task is submitted.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import uuid
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _vegard
from .errors import SettingsError, SimulationError
from .nanomech import Results, _paths, check_settings
from .simulate import EsmResult, esm as _esm

PathLike = Union[str, "os.PathLike[str]"]

#: How many times a task that raised an unexpected exception is tried again.
DEFAULT_RETRIES = 3

#: A TOML config travels as (its name, its text): the workers need not see the file.
_Config = Optional[Tuple[str, str]]


# -- the client and the config --------------------------------------------------------------


def _client(client: Any) -> Any:
    """``client``, or the default ``distributed`` client, or a clear error."""
    if client is not None:
        if getattr(client, "asynchronous", False):
            raise TypeError("vegard.dask needs a synchronous distributed.Client (asynchronous=False)")
        return client
    try:
        from distributed import get_client
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError('vegard.dask needs dask.distributed: pip install "vegard[dask]"') from e
    try:
        return get_client()
    except ValueError as e:
        raise RuntimeError(
            "vegard.dask: no Dask client. Start one first, e.g. "
            "distributed.Client(distributed.LocalCluster()) on this machine or "
            'distributed.Client("tcp://scheduler:8786") for a running cluster, or pass client='
        ) from e


def _read_config(config: Optional[PathLike]) -> _Config:
    """The config file's name and text, read on the client."""
    if config is None:
        return None
    name = os.fsdecode(config)
    try:
        with open(name, encoding="utf-8") as f:
            return name, f.read()
    except OSError as e:
        raise SettingsError(f"reading config {name}: {e}") from e


@contextlib.contextmanager
def _config_file(config: _Config) -> Iterator[Optional[str]]:
    """On a worker: the config text as a file for the native call, removed afterwards."""
    if config is None:
        yield None
        return
    name, text = config
    with tempfile.TemporaryDirectory(prefix="vegard-config-") as d:
        path = os.path.join(d, os.path.basename(name) or "config.toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        yield path


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise SettingsError(f"{name}: got {value!r}; give a whole number of at least 1")
    return int(value)


def _keys(what: str, n: int) -> List[str]:
    """Task keys unique to this call (two calls on the same inputs never share results;
    the dashboard groups them under ``vegard-<what>``)."""
    token = uuid.uuid4().hex
    return [f"vegard-{what}-{token}-{i}" for i in range(n)]


def _gather(client: Any, futures: List[Any]) -> List[Any]:
    """The results in submission order, fetched as each task finishes and then released on
    the cluster (so a worker holds only the results not yet fetched, not all of its own
    until the last task ends). If a task fails (or Ctrl-C), the others are cancelled."""
    from distributed import as_completed

    position = {f.key: i for i, f in enumerate(futures)}
    out: List[Any] = [None] * len(futures)
    fetched = set()
    try:
        for future, result in as_completed(futures, with_results=True):
            out[position[future.key]] = result
            fetched.add(future.key)
            future.release()
    except BaseException:
        with contextlib.suppress(Exception):  # the client may be closing: keep the first error
            client.cancel([f for f in futures if f.key not in fetched])
        raise
    return out


# -- tasks (module level: workers import them by name) --------------------------------------


def _analyse_paths_task(paths: List[str], settings: Dict[str, Any], config: _Config, command: str) -> Results:
    """Analyse whole files, as :func:`vegard.nanomech.analyse` does."""
    with _config_file(config) as cfg:
        return Results(_vegard.analyse(paths, settings, cfg, None, command))


def _analyse_block_task(
    path: str, start: int, stop: int, settings: Dict[str, Any], config: _Config, command: str, hash: bool
) -> Results:
    """Analyse curves ``start..stop`` of one file, read by this worker from the file (and
    hash the file for the provenance if ``hash``; ``start == stop`` hashes only)."""
    with _config_file(config) as cfg:
        return Results(_vegard.analyse_block(path, start, stop, settings, cfg, command, hash))


def _count_curves_task(path: str) -> Optional[int]:
    """The number of curves in ``path``, or None if it cannot be opened as force curves."""
    try:
        return _vegard.count_curves(path)
    except OSError:  # FormatError: the analysis reports it as an error row
        return None


def _esm_task(
    experiment: str,
    preset: Optional[str],
    mesh: Optional[str],
    settings: Optional[Dict[str, Any]],
    params: Dict[str, Any],
) -> Union[EsmResult, SettingsError, SimulationError]:
    """One point of a sweep, as :func:`vegard.simulate.esm`. Settings that cannot work and
    simulations that fail come back as values (the same at every try: not retried)."""
    try:
        return _esm(experiment, preset=preset, mesh=mesh, settings=settings, **params)
    except (SettingsError, SimulationError) as e:
        return e


# -- force curves ---------------------------------------------------------------------------


def analyse_files(
    inputs: Any,
    client: Any = None,
    *,
    files_per_task: int = 1,
    config: Optional[PathLike] = None,
    retries: int = DEFAULT_RETRIES,
    **settings: Any,
) -> Results:
    """Analyse many force-curve files on a Dask cluster: :func:`vegard.nanomech.analyse`,
    one task per file.

    Parameters
    ----------
    inputs
        Files, folders, glob patterns or :class:`vegard.Dataset` objects, as for
        :func:`vegard.nanomech.analyse`. They are expanded here, on the client, exactly as the
        serial call expands them (folders searched recursively, sorted, duplicates once); the
        workers must see the files under the same paths.
    client
        A ``distributed.Client``; None for the default one (the last ``Client`` created, or
        the client of the task this runs in).
    files_per_task
        Files analysed by one task. 1 (the default) suits files of a few hundred curves or
        more; for many small files (single curves) 10–100 keeps the scheduler's overhead
        (about 1 ms per task) small against the work.
    config
        A TOML settings file, as ``--config``; keyword settings win over it. Read here and
        sent to the workers with the tasks.
    retries
        How often a task that raised an unexpected exception is tried again. Tasks lost
        with their worker are computed again anyway.
    **settings
        The settings of :func:`vegard.nanomech.analyse`: ``model``, ``tip_radius`` (m, or a
        string with its unit), ``half_angle`` (degrees), ``poisson``, … (SI units).

    Returns the :class:`vegard.nanomech.Results` the serial call gives: the same records
    in the same order, the same error rows (unreadable files, then inputs that named no
    file). Raises :class:`vegard.SettingsError` for settings that cannot work, before any
    task is submitted.
    """
    per_task = _positive_int("files_per_task", files_per_task)
    paths = _paths(inputs)
    check_settings(config=config, **settings)
    cfg = _read_config(config)
    files, problems = _vegard.expand_inputs(paths)
    client = _client(client)
    command = "python: vegard.dask.analyse_files"
    groups = [files[i : i + per_task] for i in range(0, len(files), per_task)]
    keys = _keys("files", len(groups))
    futures = [
        client.submit(_analyse_paths_task, g, settings, cfg, command, key=k, retries=retries)
        for g, k in zip(groups, keys)
    ]
    parts = _gather(client, futures)
    if problems:
        # Inputs that named no file (a pattern without a match, a folder without data) are
        # error rows after those of the files, as in the serial call: the library gives the
        # same rows for them alone. Nothing is read, so this runs here.
        names = [name for name, _ in problems]
        local_config = os.fsdecode(config) if config is not None else None
        parts.append(Results(_vegard.analyse(names, settings, local_config, None, command)))
    return Results.merge(parts)


def analyse_volume(
    path: Any,
    client: Any = None,
    *,
    block_size: int = 4096,
    config: Optional[PathLike] = None,
    retries: int = DEFAULT_RETRIES,
    **settings: Any,
) -> Results:
    """Analyse one large force volume on a Dask cluster, in blocks of curves.

    One task counts the curves; then each task analyses ``block_size`` consecutive curves
    (``start..stop``), reading them itself from the file: only the path and the block's
    bounds travel to the workers, and a worker holds one block's results (about 1.1 kB per
    curve while they are sent) plus one curve per thread, whatever the size of the volume.
    The file's SHA-256 for the provenance is a task of its own, which runs beside the blocks.

    Parameters
    ----------
    path
        One force-volume file (or a :class:`vegard.Dataset`), at the same path on the
        workers as here.
    client
        A ``distributed.Client``; None for the default one.
    block_size
        Curves per task. 4096 (the default) makes 16 tasks of a 256 × 256 map; smaller
        blocks balance better over many workers, larger ones cost less scheduling.
    config, retries, **settings
        As for :func:`analyse_files`.

    Returns the :class:`vegard.nanomech.Results` of :func:`vegard.nanomech.analyse` on the
    file: the same records, maps (``.maps()``) and summary. A file that cannot be read as
    force curves gives the serial call's error row.
    """
    if isinstance(path, _vegard.Dataset):
        path = path.path
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"path: expected one path or a Dataset, got {type(path).__name__}")
    path = os.fsdecode(path)
    size = _positive_int("block_size", block_size)
    check_settings(config=config, **settings)
    cfg = _read_config(config)
    client = _client(client)
    command = "python: vegard.dask.analyse_volume"
    [count_key] = _keys("count", 1)
    n = client.submit(_count_curves_task, path, key=count_key, retries=retries).result()
    if n is None:
        # Not readable as force curves: the whole-file call gives the serial error row.
        parts = [(0, sys.maxsize, True)]
    else:
        # The hash first (a part of no curves: reading the whole file is the longest single
        # piece of work, so it starts first and runs beside the blocks), then the blocks.
        parts = [(0, 0, True)] + [(start, min(start + size, n), False) for start in range(0, n, size)]
    keys = _keys("block", len(parts))
    futures = [
        client.submit(_analyse_block_task, path, start, stop, settings, cfg, command, hash, key=k, retries=retries)
        for (start, stop, hash), k in zip(parts, keys)
    ]
    return Results.merge(_gather(client, futures))


# -- virtual ESM experiments ----------------------------------------------------------------


class SweepResult:
    """The virtual experiments of :func:`esm_sweep` over a grid of parameters.

    * :attr:`axes`: {parameter: values} in grid order (SI units, as the parameter names);
    * :attr:`results`: an object array of :class:`vegard.simulate.EsmResult`, shaped by the
      grid (``results[i, j]`` is at ``axes[a][i]``, ``axes[b][j]``);
    * :meth:`summary_array`: one summary number over the grid as a float array;
    * :meth:`to_xarray`: the same as an ``xarray.DataArray`` with the axes as coordinates
      (needs xarray).
    """

    def __init__(self, experiment: str, axes: Dict[str, np.ndarray], results: np.ndarray):
        self.experiment = experiment
        self.axes = axes
        self.results = results

    @property
    def shape(self) -> Tuple[int, ...]:
        return self.results.shape

    @property
    def names(self) -> List[str]:
        """The grid's parameters, in axis order."""
        return list(self.axes)

    def point(self, index: Tuple[int, ...]) -> Dict[str, float]:
        """The parameters varied at grid ``index``: {name: value}."""
        return {name: float(values[i]) for (name, values), i in zip(self.axes.items(), index)}

    def __getitem__(self, index: Any) -> Any:
        return self.results[index]

    def __iter__(self) -> Iterator[Tuple[Dict[str, float], EsmResult]]:
        """(parameters varied, result) at every point, in grid (C) order."""
        for index in np.ndindex(*self.shape):
            yield self.point(index), self.results[index]

    def __len__(self) -> int:
        return int(self.results.size)

    def summary_array(self, field: str) -> np.ndarray:
        """The summary number ``field`` at every point, as a float64 array shaped by the
        grid (NaN where the experiment gives none). Nested fields with dots:
        ``"crossover_phase.frequency_hz"``. Units as the field name says (``amplitude_m``)."""
        out = np.empty(self.shape, dtype=float)
        for index in np.ndindex(*self.shape):
            value: Any = self.results[index].summary
            for part in field.split("."):
                if not isinstance(value, dict) or part not in value:
                    known = ", ".join(sorted(self.results[index].summary))
                    raise SettingsError(f"summary field '{field}' is not in the {self.experiment} summary ({known})")
                value = value[part]
            if value is None:
                out[index] = np.nan
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                out[index] = value
            else:
                raise SettingsError(f"summary field '{field}' is a {type(value).__name__}, not a number")
        return out

    def to_xarray(self, field: str):
        """:meth:`summary_array` as an ``xarray.DataArray`` on the grid's axes. Needs
        xarray (``pip install xarray``)."""
        try:
            import xarray as xr
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("to_xarray needs xarray: pip install xarray") from e
        return xr.DataArray(
            self.summary_array(field),
            coords={name: values for name, values in self.axes.items()},
            dims=self.names,
            name=field,
            attrs={"experiment": self.experiment, "long_name": field},
        )

    def __repr__(self) -> str:
        grid = " × ".join(f"{name} ({len(v)})" for name, v in self.axes.items())
        return f"<vegard.dask.SweepResult {self.experiment}: {grid}>"


def esm_sweep(
    grid: Mapping[str, Sequence[float]],
    experiment: str = "amplitude",
    client: Any = None,
    *,
    preset: Optional[str] = None,
    mesh: Optional[str] = None,
    settings: Optional[Dict[str, Any]] = None,
    retries: int = DEFAULT_RETRIES,
    **fixed_params: float,
) -> SweepResult:
    """Run a virtual ESM experiment at every point of a parameter grid on a Dask cluster:
    :func:`vegard.simulate.esm` once per point, one task per point.

    Parameters
    ----------
    grid
        {model parameter: values}: the Cartesian product of the values is computed, e.g.
        ``{"diffusivity": [1e-16, 1e-15, 1e-14], "baseline_concentration": [0.1, 0.5]}``
        (the ``[params]`` keys of ``vegard simulate esm``, SI units: diffusivity in m²/s,
        concentrations dimensionless, frequencies in Hz, lengths in m).
    experiment
        amplitude (one small-signal read per point, the default), sweep, frequency,
        spectroscopy, relaxation or mapping.
    client
        A ``distributed.Client``; None for the default one.
    preset, mesh
        As for :func:`vegard.simulate.esm`: ``lifepo4`` (default) or ``ceria``; ``coarse``
        or ``default``.
    settings
        The experiment's settings, the same at every point (the ``[experiment]`` keys), e.g.
        for ``frequency``: ``{"omega_hat_min": 1e-2, "omega_hat_max": 1e2, "points": 9}``
        (dimensionless frequencies ωL²/D).
    retries
        How often a task that raised an unexpected exception is tried again.
    **fixed_params
        Model parameters held fixed over the grid (SI units).

    Returns a :class:`SweepResult`. Raises :class:`vegard.SettingsError` or
    :class:`vegard.SimulationError` (naming the grid point) if a point cannot run.
    """
    if not isinstance(grid, Mapping) or not grid:
        raise SettingsError("grid: give {parameter: [values, ...]} with at least one parameter")
    axes: Dict[str, np.ndarray] = {}
    for name, values in grid.items():
        if not isinstance(name, str):
            raise SettingsError(f"grid: parameter names must be strings, got {name!r}")
        if name in fixed_params:
            raise SettingsError(f"grid: '{name}' is both varied (grid) and fixed (keyword)")
        try:
            a = np.array(values, dtype=float)
        except (TypeError, ValueError) as e:
            raise SettingsError(f"grid['{name}']: expected a sequence of numbers ({e})") from e
        if a.ndim != 1 or a.size == 0:
            raise SettingsError(f"grid['{name}']: expected a non-empty 1-D sequence of numbers")
        if not np.all(np.isfinite(a)):
            raise SettingsError(f"grid['{name}']: every value must be finite")
        axes[name] = a
    client = _client(client)
    shape = tuple(len(a) for a in axes.values())
    indices = list(np.ndindex(*shape))
    keys = _keys("esm", len(indices))
    futures = []
    for index, key in zip(indices, keys):
        params = dict(fixed_params)
        params.update({name: float(a[i]) for (name, a), i in zip(axes.items(), index)})
        futures.append(client.submit(_esm_task, experiment, preset, mesh, settings, params, key=key, retries=retries))
    values = _gather(client, futures)
    results = np.empty(shape, dtype=object)
    for index, value in zip(indices, values):
        if isinstance(value, Exception):
            where = ", ".join(f"{n}={float(a[i])!r}" for (n, a), i in zip(axes.items(), index))
            raise type(value)(f"esm_sweep at {where}: {value}") from value
        results[index] = value
    return SweepResult(experiment, axes, results)


__all__ = ["analyse_files", "analyse_volume", "esm_sweep", "SweepResult", "DEFAULT_RETRIES"]
