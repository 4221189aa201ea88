"""The tooling's boundary: the kiosk's own code never imports ``kiosk.devtools``.

``kiosk/devtools/`` (the audio rig, soak, bad-content generator, voice set, scale bench,
calibration, paint clock) is for tests and benchmarks. Nothing a patient meets may depend on it,
so every module of ``kiosk`` outside that folder is parsed with :mod:`ast`, and each ``import``
and ``from … import`` anywhere in it (module level, inside functions, behind ``TYPE_CHECKING``,
relative ones resolved) is checked, as are ``importlib.import_module("…")`` calls with a literal
name. Only the declared entry points for tooling, in :data:`ALLOWED`, may import it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import kiosk

PACKAGE_DIR = Path(kiosk.__file__).resolve().parent
TOOLING = "kiosk.devtools"

ALLOWED: dict[str, str] = {
    "kiosk/bench.py": "the `bench` command's suites run the tooling (scale bench, soak, paint "
    "clock, voice set, the audio rig); it is reached only through `run_kiosk.py bench`, which "
    "kiosk/cli.py imports lazily, inside its bench subcommand",
}
"""Files (relative to the repository) that may import the tooling, and why. kiosk/cli.py is not
listed: its bench subcommand imports kiosk.bench, not kiosk.devtools."""


def module_name(path: Path) -> str:
    """``kiosk/ui/window.py`` -> ``kiosk.ui.window``; a package's ``__init__.py`` -> the package."""
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """Every module name ``source`` imports, as ``(line, absolute dotted name)``.

    ``from a import b`` yields both ``a`` and ``a.b`` (``b`` may be a module). Relative imports
    are resolved against ``module`` (the importing module's dotted name).
    """
    package = module if is_package else module.rpartition(".")[0]
    names: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            names.append((node.lineno, base))
            names += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.append((node.lineno, node.args[0].value))
    return names


def tooling_imports(path: Path) -> list[str]:
    """``file:line: name`` for each import of ``kiosk.devtools`` (or anything in it) in ``path``."""
    module = module_name(path)
    names = imported_names(path.read_text(), module, is_package=path.name == "__init__.py")
    rel = path.relative_to(PACKAGE_DIR.parent).as_posix()
    return [
        f"{rel}:{line}: {name}"
        for line, name in names
        if name == TOOLING or name.startswith(TOOLING + ".")
    ]


def kiosk_modules_outside_tooling() -> list[Path]:
    """Every ``.py`` file of the kiosk package except those under ``kiosk/devtools/``."""
    tooling_dir = PACKAGE_DIR / "devtools"
    return sorted(p for p in PACKAGE_DIR.rglob("*.py") if tooling_dir not in p.parents)


def test_the_detector_sees_every_form_of_import() -> None:
    source = (
        "import kiosk.devtools.rig\n"
        "from kiosk import devtools\n"
        "from kiosk.devtools.soak import run_soak\n"
        "from ..devtools import rig\n"
        "from .. import devtools\n"
        "def later():\n"
        "    from ..devtools.stats import percentile\n"
        "    importlib.import_module('kiosk.devtools.voiceset')\n"
        "import kiosk.devtoolsy\n"  # a different name: not the tooling
        "from . import devtools_like\n"
    )
    names = [name for _, name in imported_names(source, "kiosk.ui.window")]
    found = [n for n in names if n == TOOLING or n.startswith(TOOLING + ".")]
    assert sorted(found) == sorted(
        [
            "kiosk.devtools.rig",
            *["kiosk.devtools", "kiosk.devtools.soak", "kiosk.devtools.soak.run_soak"],
            *["kiosk.devtools", "kiosk.devtools.rig"],
            "kiosk.devtools",
            *["kiosk.devtools.stats", "kiosk.devtools.stats.percentile"],
            "kiosk.devtools.voiceset",
        ]
    )
    # A package's own relative imports start from the package itself.
    assert (1, "kiosk.devtools") in imported_names("from . import devtools", "kiosk", True)


def test_only_the_declared_entry_points_import_the_tooling() -> None:
    files = kiosk_modules_outside_tooling()
    assert len(files) > 50, files  # the walk found the package
    assert not any("devtools" in p.parts for p in files)
    offending = [
        hit
        for path in files
        if path.relative_to(PACKAGE_DIR.parent).as_posix() not in ALLOWED
        for hit in tooling_imports(path)
    ]
    assert offending == [], (
        "the kiosk imports its tooling (kiosk/devtools/) outside the declared entry points:\n"
        + "\n".join(offending)
    )


def test_each_declared_entry_point_still_imports_the_tooling() -> None:
    """An entry in ALLOWED that no longer imports kiosk.devtools is stale: remove it."""
    for rel in ALLOWED:
        assert tooling_imports(PACKAGE_DIR.parent / rel), f"{rel} no longer imports the tooling"
