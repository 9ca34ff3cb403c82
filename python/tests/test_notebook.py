"""The example notebook executes (nbclient), so docs/python.md's worked example cannot rot."""

import os
import pathlib

import pytest

from conftest import REPO, require_shared

NOTEBOOK = REPO / "examples" / "python-quickstart.ipynb"


def test_example_notebook_executes(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    shared = require_shared()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    os.environ["VEGARD_SHARED_DATA"] = str(shared)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "real JPK map available: True" in text
    assert "E = " in text
    # The modulus map and the curve plot were drawn.
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2
