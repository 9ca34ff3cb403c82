"""The package's surface: the type stubs describe exactly the native module, every public
function documents itself, and the package metadata is right."""

import ast
import inspect
import pathlib

import vegard
from vegard import _vegard

STUB = pathlib.Path(vegard.__file__).with_name("_vegard.pyi")


def stub_names():
    tree = ast.parse(STUB.read_text())
    top = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            members = set()
            if isinstance(node, ast.ClassDef):
                members = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
            top[node.name] = members
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            top[node.target.id] = set()
    return top


def test_stub_matches_the_native_module():
    stub = stub_names()
    native = {n for n in dir(_vegard) if not n.startswith("_") or n == "__version__"}
    assert native == set(stub), (native ^ set(stub))
    for cls in ("Dataset", "Batch", "EsmRun"):
        public = {n for n in dir(getattr(_vegard, cls)) if not n.startswith("_") or n == "__len__"}
        assert public == stub[cls], (cls, public ^ stub[cls])
    assert (STUB.parent / "py.typed").exists()


def test_public_functions_have_docstrings_with_units():
    for f in (vegard.open, vegard.models, vegard.nanomech.analyse, vegard.simulate.esm):
        assert f.__doc__ and len(f.__doc__) > 80, f
    assert "SI" in vegard.simulate.esm.__doc__
    assert "m" in inspect.getdoc(vegard.nanomech.analyse)
    for name in ("records", "arrays", "maps", "to_pandas", "to_xarray", "write_report"):
        assert getattr(vegard.nanomech.Results, name).__doc__, name


def test_version_and_models():
    assert vegard.__version__ == _vegard.__version__
    models = vegard.models()
    hertz = next(m for m in models if m["key"] == "hertz-paraboloid")
    assert "Hertz" in hertz["citation"] or "Hertz" in hertz["name"]
    assert hertz["tip"] and hertz["formula"]
    assert all(m["params"] for m in models)
