"""The house's rules, checked on its import graph (DESIGN.md "Shape"):

- the import-linter contracts in pyproject.toml: the kernel imports no app, casework never
  imports consultation, config wires apps by name only, and no app imports config;
- no modules import each other in a circle;
- no private name (``_name``) is imported from, or read off, another module.

Each check is also run on a small made-up project that breaks it, so a check that could
not fail would fail here.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "core", "casework", "consultation")


# ------------------------------------------------------------------- the checks


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """Run import-linter on the project at ``root`` with its pyproject.toml's contracts."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
    )


# grimp reads the packages found on the path; a separate process sees ``root``'s own.
GRAPH = """
import json, sys
import grimp
graph = grimp.build_graph(*sys.argv[1:], cache_dir=None)
print(json.dumps({m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}))
"""


def import_circles(packages, *, root: Path) -> list[list[str]]:
    """The groups of modules that import each other in a circle (strongly connected
    components of the module graph, function-local imports included; migrations left out:
    they are history)."""
    result = subprocess.run(
        [sys.executable, "-c", GRAPH, *packages],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    imports = json.loads(result.stdout)
    modules = sorted(m for m in imports if ".migrations" not in m)
    edges = {m: [i for i in imports[m] if i in imports and ".migrations" not in i] for m in modules}
    return _strongly_connected(modules, edges)


def _strongly_connected(nodes, edges) -> list[list[str]]:
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = [0]

    def visit(node):  # Tarjan's algorithm
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in edges[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges[node]:
                found.append(sorted(component))

    for node in nodes:
        if node not in index:
            visit(node)
    return found


def private_names_across_modules(packages, *, root: Path) -> list[str]:
    """Every ``from module import _name`` and ``module._name`` where the module is one of
    ``packages``' own and not the file itself (migrations left out)."""
    found = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            found += _private_uses(path, packages, root)
    return found


def _private_uses(path: Path, packages, root: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    where = path.relative_to(root)
    ours = tuple(packages)
    modules = set()  # local names bound to one of our modules
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(ours):
            for alias in node.names:
                if _private(alias.name):
                    uses.append(f"{where}:{node.lineno} imports {node.module}.{alias.name}")
                elif _is_module(root, f"{node.module}.{alias.name}"):
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(ours):
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            uses.append(f"{where}:{node.lineno} reads {node.value.id}.{node.attr}")
    return uses


def _is_module(root: Path, dotted: str) -> bool:
    path = root.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


# ------------------------------------------------------------------ the house


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


def test_no_modules_import_each_other_in_a_circle():
    assert import_circles(PACKAGES, root=ROOT) == []


def test_no_private_name_crosses_a_module():
    assert private_names_across_modules(PACKAGES, root=ROOT) == []


# ------------------------------------------- each check fails when it is broken


@pytest.fixture
def house(tmp_path) -> Path:
    """A made-up project with our four packages and our pyproject's contracts."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    lines = [
        "[tool.importlinter]",
        'root_packages = ["config", "core", "casework", "consultation"]',
    ]
    for contract in contracts["contracts"]:
        lines += ["", "[[tool.importlinter.contracts]]"]
        lines += [f"{key} = {_toml(value)}" for key, value in contract.items()]
    (tmp_path / "pyproject.toml").write_text("\n".join(lines) + "\n")
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
        (tmp_path / package / "base.py").write_text("VALUE = 1\n")
    (tmp_path / "casework" / "uses_core.py").write_text("from core import base\n")
    (tmp_path / "consultation" / "uses_casework.py").write_text("from casework import base\n")
    return tmp_path


def _toml(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_the_made_up_house_keeps_the_contracts(house):
    assert lint_imports(house).returncode == 0


@pytest.mark.parametrize(
    ("importer", "imported", "contract"),
    [
        ("core", "casework", "The kernel imports no app"),
        ("core", "config", "The kernel imports no app"),
        ("casework", "consultation", "Casework never imports consultation"),
        ("config", "casework", "The configuration wires apps by name only"),
        ("consultation", "config", "No app imports the configuration"),
    ],
)
def test_each_contract_fails_when_broken(house, importer, imported, contract):
    (house / importer / "offender.py").write_text(f"from {imported} import base\n")
    result = lint_imports(house)
    assert result.returncode == 1, result.stdout
    assert f"{contract}" in " ".join(result.stdout.split())
    assert "BROKEN" in result.stdout


def test_a_circle_is_found(house):
    assert import_circles(PACKAGES, root=house) == []
    (house / "casework" / "a.py").write_text("from casework import b\n")
    (house / "casework" / "b.py").write_text("from casework import c\n")
    (house / "casework" / "c.py").write_text(
        textwrap.dedent(
            """
            def late():
                from casework import a  # a function-local import still closes the circle
            """
        )
    )
    assert import_circles(PACKAGES, root=house) == [["casework.a", "casework.b", "casework.c"]]


def test_a_private_name_from_another_module_is_found(house):
    assert private_names_across_modules(PACKAGES, root=house) == []
    (house / "core" / "helpers.py").write_text("def _secret():\n    return 1\n")
    (house / "casework" / "takes.py").write_text("from core.helpers import _secret\n")
    (house / "consultation" / "reads.py").write_text(
        "from core import helpers\n\nvalue = helpers._secret()\n"
    )
    assert private_names_across_modules(PACKAGES, root=house) == [
        "casework/takes.py:1 imports core.helpers._secret",
        "consultation/reads.py:3 reads helpers._secret",
    ]
