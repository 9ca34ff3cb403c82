"""Progress for long calls: the library reports (done, total); this turns the user's
``progress=`` argument into a callback (a tqdm bar, the user's own function, or nothing)."""

from __future__ import annotations

import sys
from typing import Any, Callable, Optional, Tuple

Callback = Callable[[int, int], Any]


def make(progress: Any, what: str) -> Tuple[Optional[Callback], Callable[[], None]]:
    """(callback or None, close) for ``progress``:

    * ``None`` / ``False``: no progress;
    * ``True``: a tqdm bar if tqdm is installed, else a line on stderr;
    * a callable: called as ``progress(done, total)``;
    * an object with ``update`` and ``total`` (a tqdm bar the caller made): advanced.
    """
    if progress is None or progress is False:
        return None, lambda: None
    if progress is True:
        try:
            import importlib.util

            # tqdm.auto wants ipywidgets for notebook bars; without them the text bar.
            if importlib.util.find_spec("ipywidgets") is not None:
                from tqdm.auto import tqdm  # type: ignore
            else:
                from tqdm import tqdm  # type: ignore
        except ImportError:
            return _stderr_line(what)
        bar = tqdm(total=0, desc=what, unit="curve" if what == "nanomech" else "step")
        return _advance(bar), bar.close
    if hasattr(progress, "update") and hasattr(progress, "total"):
        return _advance(progress), lambda: None
    if callable(progress):
        return progress, lambda: None
    raise TypeError(f"progress: expected None, True, a callable(done, total) or a tqdm bar, got {type(progress).__name__}")


def _advance(bar: Any) -> Callback:
    def cb(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
            bar.refresh()
        bar.update(done - bar.n)

    return cb


def _stderr_line(what: str) -> Tuple[Callback, Callable[[], None]]:
    def cb(done: int, total: int) -> None:
        sys.stderr.write(f"\r{what}: {done}/{total}")
        sys.stderr.flush()

    def close() -> None:
        sys.stderr.write("\n")

    return cb, close
