"""shared/ is the runtime library: it imports neither a service nor the tooling."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("services", "tools")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _offending(path: Path) -> list[str]:
    return sorted(name for name in _imported_modules(path) if name.split(".")[0] in FORBIDDEN)


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import json\nfrom tools.devstack import infra_up\nimport services.portal\n")
    assert _offending(module) == ["services.portal", "tools.devstack"]


@pytest.mark.parametrize(
    "path", sorted((ROOT / "shared").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_shared_imports_no_service_and_no_tooling(path: Path) -> None:
    assert _offending(path) == []
