"""gradcore's public surface: the verbs re-exported from ``gradcore`` and the three topic
modules (``field``, ``descent``, ``pointwise``). The app reaches the
computation only through them, never through the private ``gradcore._*`` modules."""

import ast
import importlib
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ["gradcore", "gradcore.field", "gradcore.descent", "gradcore.pointwise"]
APP_FILES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"),
                    *(ROOT / "gradapp").glob("*.py")])


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_exists_and_states_its_contract(name):
    mod = importlib.import_module(name)
    assert mod.__doc__ and mod.__doc__.strip()
    assert len(mod.__all__) == len(set(mod.__all__)), "a name is listed twice"
    for attr in mod.__all__:
        obj = getattr(mod, attr)  # AttributeError: listed but missing
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert inspect.getdoc(obj), f"{name}.{attr} has no docstring"


def _gradcore_imports(path: Path) -> list[str]:
    """Every gradcore module ``path`` imports, as dotted names (``from gradcore import
    _x`` counts as importing ``gradcore._x``)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.startswith("gradcore")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gradcore"):
            out.append(node.module)
            if node.module == "gradcore":
                out += [f"gradcore.{a.name}" for a in node.names]
    return out


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_app_uses_only_the_public_api(path):
    private = [m for m in _gradcore_imports(path)
               if any(part.startswith("_") for part in m.split("."))]
    assert not private, f"{path.name} imports private gradcore modules: {private}"


def test_regression_pages_imported_private_modules(tmp_path):
    """Regression: pages imported ``gradcore._fieldcalc``, ``_descent``, ``_pointwise`` …
    directly; the checker above must catch every spelling of that."""
    probe = tmp_path / "page.py"
    probe.write_text("from gradcore import _field as F\nimport gradcore._descent\n"
                     "from gradcore._pointwise import at_point\nimport gradcore as gc\n",
                     encoding="utf-8")
    found = _gradcore_imports(probe)
    assert {"gradcore._field", "gradcore._descent", "gradcore._pointwise"} <= set(found)
