"""The exceptions vegard raises. Each carries the same message as the command line.

``VegardError`` is the base of all of them; each also derives from the built-in exception a
Python user would catch for that kind of problem (``SettingsError`` is a ``ValueError``,
``FormatError`` an ``OSError``), so ``except ValueError`` keeps working.
"""


class VegardError(Exception):
    """Any error raised by vegard (also: an internal error, which is a bug to report)."""


class FormatError(VegardError, OSError):
    """A file could not be read: missing, empty, truncated, damaged or of an unknown format.
    The message names the file, the position in it and what was expected."""


class SettingsError(VegardError, ValueError):
    """Settings that cannot work: an unknown key or model, a missing physical input (tip
    geometry, Poisson ratio), an implausible magnitude (with a hint about the unit)."""


class DataError(VegardError, ValueError):
    """Arrays given to vegard that cannot be analysed: NaN or infinite samples, segments
    whose channels differ in length, empty segments. The message names the array and the
    position."""


class SimulationError(VegardError, RuntimeError):
    """A simulation did not converge or could not run."""


class OutputError(VegardError, OSError):
    """Products could not be written (folder not writable, earlier products in the way)."""


__all__ = ["VegardError", "FormatError", "SettingsError", "DataError", "SimulationError", "OutputError"]
