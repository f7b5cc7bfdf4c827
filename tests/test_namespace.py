"""One import namespace: every module is ``cdkg.…``; every import points down the layers.

The repository keeps a folder per layer (ontology/, loaders/, kg/, queries/, viz/) and the
package's face (cdkg/); pyproject.toml maps them into ``cdkg``.  These tests read the code's own
imports, so a bare ``import kg`` or an upward import fails here rather than in a user's notebook.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import cdkg

ROOT = Path(__file__).resolve().parents[1]
#: Lowest first.  A module may import its own layer and those below it, never one above.
LAYERS = {"errors": 0, "ontology": 1, "loaders": 2, "kg": 3, "queries": 4, "viz": 5, "face": 6}
FOLDERS = {"ontology": "ontology", "loaders": "loaders", "kg": "kg", "queries": "queries", "viz": "viz"}
BARE = {"kg", "loaders", "queries", "viz", "ontology", "cli", "errors"}


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def layer_of_file(path: Path) -> str:
    rel = path.relative_to(ROOT)
    if rel.parts[0] == "cdkg":
        return "errors" if rel.name == "errors.py" else "face"
    return rel.parts[0]


def layer_of_module(name: str) -> str | None:
    """The layer of an imported module name, or None when it is not cdkg's."""
    parts = name.split(".")
    if parts[0] != "cdkg":
        return None
    if len(parts) == 1:
        return "face"
    return parts[1] if parts[1] in FOLDERS else ("errors" if parts[1] == "errors" else "face")


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, ``from cdkg import kg`` as ``cdkg.kg``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.append((node.lineno, "." * node.level + (node.module or "")))
            elif node.module == "cdkg":
                found += [(node.lineno, f"cdkg.{a.name}" if a.name in BARE else "cdkg") for a in node.names]
            else:
                found.append((node.lineno, node.module or ""))
    return found


def test_no_module_imports_a_layer_by_a_bare_top_level_name():
    bad = [f"{p.relative_to(ROOT)}:{line}: {name}"
           for p in python_files("cdkg", *FOLDERS, "tests", "bench") for line, name in imports(p)
           if name.split(".")[0] in BARE or name.startswith(".")]
    assert bad == [], "import these as cdkg.<layer> (absolute):\n" + "\n".join(bad)


def test_every_import_points_down_the_layers():
    upward = []
    for path in python_files("cdkg", *FOLDERS):
        own = layer_of_file(path)
        for line, name in imports(path):
            target = layer_of_module(name)
            if target is not None and LAYERS[target] > LAYERS[own]:
                upward.append(f"{path.relative_to(ROOT)}:{line}: {own} imports {name} ({target})")
    assert upward == [], "\n".join(upward)


def test_the_layer_check_sees_an_upward_import(tmp_path):
    # the check above must be able to fail: a store module importing the queries layer
    sample = tmp_path / "sample.py"
    sample.write_text("from cdkg.queries.network import participation\nfrom cdkg import viz\nimport kg.store\n")
    assert [name for _, name in imports(sample)] == ["cdkg.queries.network", "cdkg.viz", "kg.store"]
    assert LAYERS[layer_of_module("cdkg.queries.network")] > LAYERS["kg"]
    assert layer_of_module("cdkg.errors") == "errors" and layer_of_module("cdkg") == "face"


def test_each_layer_folder_is_its_cdkg_subpackage():
    for layer, folder in FOLDERS.items():
        module = importlib.import_module(f"cdkg.{layer}")
        assert Path(module.__file__).resolve() == ROOT / folder / "__init__.py"
    assert Path(cdkg.__file__).resolve() == ROOT / "cdkg" / "__init__.py"


def test_import_cdkg_loads_no_layer_until_used():
    code = ("import sys, cdkg; print(sorted(m for m in sys.modules if m.startswith('cdkg')));"
            "print(sorted(m for m in ('pyoxigraph', 'rdflib', 'networkx', 'owlready2', 'pyvis') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT.parent)
    assert run.stdout.split("\n")[:2] == ["['cdkg']", "[]"]


def test_python_m_cdkg_is_the_command_line(tmp_path):
    run = subprocess.run([sys.executable, "-m", "cdkg", "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "Usage: python -m cdkg" in run.stdout and "build" in run.stdout and "gaps" in run.stdout


def test_every_command_has_its_function_in_the_api():
    from typer.main import get_command

    from cdkg.cli import app

    commands = set(get_command(app).commands)
    # the API name of each command: the same word, in Python's spelling
    api = {"queries": "queries.library", "new-source": "new_source"}
    for command in sorted(commands):
        target = cdkg
        for part in api.get(command, command).split("."):
            target = getattr(target, part)
        assert callable(target), command
    assert callable(cdkg.viz) and cdkg.viz.__name__ == "cdkg.viz"  # the module is the function
    assert {"sparql", "export", "gaps", "query"} <= set(dir(cdkg))


def test_export_refuses_an_unknown_format_naming_the_choices(built):
    with pytest.raises(cdkg.UsageError, match="choose one of turtle, ntriples.*graphml.*bibtex"):
        cdkg.export("xlsx", build=built)


def _modules() -> list[str]:
    names = ["cdkg"]
    for layer in FOLDERS:
        package = importlib.import_module(f"cdkg.{layer}")
        names.append(package.__name__)
        names += [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    return names + ["cdkg.errors", "cdkg.cli"]


@pytest.mark.parametrize("name", _modules())
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctests failed in {name}"
