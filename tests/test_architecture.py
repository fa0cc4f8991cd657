"""The structure holds: the import layers of docs/architecture.md and a clean ruff run.

Both tools read the contracts and rules in pyproject.toml. An upward import (say
`from approvals import inbox` in workflows/models/debts.py), an import cycle between modules
of a package, or a lint error fails here with the tool's own report."""
import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*command):
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_import_layers_hold():
    result = _run(str(BIN / "lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_ruff_finds_nothing():
    result = _run(str(BIN / "ruff"), "check", "--no-cache", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


PROJECT = ("config", "workflows", "approvals", "documents", "collection")


def _function_local_imports():
    """(file, line, imported module) of every import of a project module inside a function,
    outside AppConfig.ready() (Django imports apps.py before any models module: ready() is
    where an app imports what needs models) and not marked by a comment naming the cycle it
    breaks ("# cycle: ...")."""
    found = []
    for package in PROJECT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            source = path.read_text(encoding="utf-8")
            lines = source.splitlines()
            tree = ast.parse(source)
            for func in ast.walk(tree):
                if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef) or (
                        func.name == "ready" and path.name == "apps.py"):
                    continue
                for node in ast.walk(func):
                    if isinstance(node, ast.ImportFrom):
                        name = "." if node.level else (node.module or "")
                    elif isinstance(node, ast.Import):
                        name = node.names[0].name
                    else:
                        continue
                    if (name == "." or name.split(".")[0] in PROJECT) and "# cycle:" not in lines[node.lineno - 1]:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    return found


def test_no_function_local_imports_of_project_modules():
    """No dependency hidden inside a function (issue 14): a lower layer that needs a higher one
    announces (a signal, a registry filled in AppConfig.ready()); a true cycle is broken only
    with a comment that names it."""
    assert _function_local_imports() == []


RULE = re.compile(r"\bR(\d+)\.(\d+)\b")
CITING = re.compile(r"\b(?:rules?|规则)\s+R\d+\.\d+(?:[-–]R?\d+(?:\.\d+)?)?(?:,\s*R\d+\.\d+)*", re.IGNORECASE)


def _sources():
    for package in (*PROJECT, "tests", "templates"):
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix in (".py", ".html") and path.is_file():
                yield path
    yield ROOT / "README.md"


def test_rule_citations_point_into_the_rule_book():
    """Code, templates, tests and the README cite docs/rules.md ("rule R3.5"), never a document
    outside the repository; every rule number cited exists in the book."""
    book = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    defined = set(re.findall(r"^\*\*R(\d+\.\d+)\b", book, flags=re.M))
    outside, unknown = [], []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            where = f"{path.relative_to(ROOT)}:{number}"
            if ("DOMAIN" + " §") in line or ("DOMAIN" + ".md") in line:
                outside.append(where)
            for citation in CITING.findall(line):
                for chapter, rule in RULE.findall(citation):
                    if f"{chapter}.{rule}" not in defined:
                        unknown.append(f"{where} R{chapter}.{rule}")
    assert outside == [], "cite docs/rules.md instead"
    assert unknown == [], "not in docs/rules.md"
