"""Synthetic force volumes with known truth: ``vegard synth`` from Python.

:func:`write_sei_volume` writes the SEI-like PeakForce-QNM force volume of the demo (three
Voronoi phases with the stiffness populations of Wolff & Hausen 2023, a gentle topography,
a few curves that never reach the surface; DMT retract, Hertz approach) as a ``.vgc`` file,
for tests and benchmarks of any size. The volume was made for the DMT model with the tip
and sample it was simulated with::

    vegard.synthetic.write_sei_volume("sei.vgc", pixels=256, points=500)
    vegard.nanomech.analyse("sei.vgc", model="dmt", tip_radius=20e-9, poisson=0.3)

(tip radius 20 nm, Poisson ratio 0.3, spring constant 40 N/m, peak force 20 nN above the
baseline; the file's metadata records the tip radius and Poisson ratio too).
"""

from __future__ import annotations

import os
from typing import Union

from . import _vegard

PathLike = Union[str, "os.PathLike[str]"]

#: Tip radius (m) and Poisson ratio the synthetic volumes are simulated with.
TIP_RADIUS_M: float = 20e-9
POISSON: float = 0.3


def write_sei_volume(path: PathLike, pixels: int = 64, points: int = 500, size_m: float = 2e-6, seed: int = 1) -> None:
    """Write a synthetic SEI-like force volume to ``path`` (``.vgc``), exactly as
    ``vegard synth --out path --pixels N --points P --size S --seed K`` does.

    Parameters
    ----------
    path
        The ``.vgc`` file to write (replaced if it exists).
    pixels
        Pixels per side: the volume holds ``pixels²`` force curves.
    points
        Samples per segment (approach and retract each). The file takes about
        ``pixels² × 2 × points × 3 × 8`` bytes (height, force and time, float64): 336 MB for
        256² curves of 100 points, 1.6 GB for 500 points.
    size_m
        Scan size along x and y, in metres.
    seed
        Random seed of the phases, topography and noise: the same seed gives the same file.

    The GIL is released while the file is written.
    """
    if isinstance(pixels, bool) or not isinstance(pixels, int):
        raise TypeError(f"pixels: expected an int, got {type(pixels).__name__}")
    if isinstance(points, bool) or not isinstance(points, int):
        raise TypeError(f"points: expected an int, got {type(points).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed: expected an int, got {type(seed).__name__}")
    _vegard.write_sei_volume(os.fsdecode(path), pixels, points, float(size_m), seed)


__all__ = ["write_sei_volume", "TIP_RADIUS_M", "POISSON"]
