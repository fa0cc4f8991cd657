"""The approvals app's imports, read from the source: no circle between its modules (counting
imports inside functions too), no function-local import of a project module except in
AppConfig.ready(), and the directions the cookbook asks for (nodes never import views, views
never import flows, URLs are not reversed through frontend)."""
import ast
from pathlib import Path

import pytest

import approvals

PACKAGE = Path(approvals.__file__).parent
PROJECT = ("approvals", "workflows", "documents", "collection", "config")
# Higher layers approvals must not reach (the layer diagram: collection and the workflows
# packages above the core sit above approvals).
HIGHER = ("collection", "workflows.clock", "workflows.reports", "workflows.plans", "workflows.ledger_import",
          "workflows.debts", "workflows.views", "workflows.frontend", "workflows.tasks", "workflows.demo")


def _imports():
    """{module: [(imported module, line, inside a function's body)]} for approvals/*.py."""
    found = {}
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        local = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                 for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
        rows = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    names = [f"approvals.{node.module}"] if node.module else [f"approvals.{a.name}" for a in node.names]
                else:
                    names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            rows += [(name, node.lineno, id(node) in local) for name in names if name.split(".")[0] in PROJECT]
        found[path.stem] = rows
    return found


IMPORTS = _imports()


def _graph():
    return {m: {name.split(".")[1] for name, _, _ in rows
                if name.startswith("approvals.") and name.split(".")[1] in IMPORTS and name.split(".")[1] != m}
            for m, rows in IMPORTS.items()}


def test_no_import_circle_between_approvals_modules():
    graph = _graph()
    state = {}

    def visit(module, path):
        state[module] = "open"
        for dep in sorted(graph[module]):
            if state.get(dep) == "open":
                pytest.fail("import circle: " + " -> ".join(path[path.index(dep):] + [dep]))
            if dep not in state:
                visit(dep, path + [dep])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_function_local_imports_only_in_app_ready():
    # apps.py is imported while Django loads the apps, before any models module may be: what
    # needs models is imported in ready(), Django's documented place for it.
    local = [f"{m}.py:{line} imports {name}" for m, rows in IMPORTS.items() for name, line, inside in rows
             if inside and m != "apps"]
    assert not local, "\n".join(local)


def test_the_cookbook_directions():
    graph = _graph()
    assert "views" not in graph["nodes"], "nodes take their views from flows.py"
    for module in ("views", "api", "nodes", "inbox", "actions"):
        assert not graph[module] & {"flows", "frontend"}, module
    upward = [f"{m}.py:{line} imports {name}" for m, rows in IMPORTS.items() for name, line, _ in rows
              if name.startswith(HIGHER)]
    assert not upward, "\n".join(upward)
