"""The apps form a graph without cycles, with core at the floor and the configuration on top.

Every import statement of every module of the project's apps is read (top-level and inside
functions alike: an import deferred to call time is still a dependency). Tests are left out: a test
may use any app to set up its data.
"""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

# Not apps: the configuration (settings, URLs, Celery, WSGI) sits above every app and may import
# them all; no app may import it.
CONFIGURATION = "concertation"


def project_apps() -> list[str]:
    return [config.name for config in apps.get_app_configs() if Path(config.path).parent == settings.BASE_DIR]


def imported_top_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def app_modules(app: str):
    for path in sorted((settings.BASE_DIR / app).rglob("*.py")):
        if "tests" not in path.relative_to(settings.BASE_DIR / app).parts:
            yield path


def import_graph() -> dict[str, dict[str, list[str]]]:
    """app → {imported package → [modules importing it]}, for the project's packages only."""
    ours = set(project_apps()) | {CONFIGURATION}
    graph = {}
    for app in project_apps():
        edges = {}
        for path in app_modules(app):
            for name in imported_top_packages(path) & ours - {app}:
                edges.setdefault(name, []).append(str(path.relative_to(settings.BASE_DIR)))
        graph[app] = edges
    return graph


def find_cycle(graph: dict[str, dict[str, list[str]]]) -> list[str] | None:
    state = {}  # app → "visiting" | "done"
    stack = []

    def visit(app):
        state[app] = "visiting"
        stack.append(app)
        for target in graph.get(app, {}):
            if state.get(target) == "visiting":
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[app] = "done"
        return None

    for app in graph:
        if app not in state and (cycle := visit(app)):
            return cycle
    return None


def test_the_graph_checker_finds_a_cycle():
    assert find_cycle({"a": {"b": []}, "b": {"c": []}, "c": {"a": []}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": []}, "b": {}, "c": {"a": [], "b": []}}) is None


def test_the_project_apps_are_found():
    assert {"core", "accounts", "directory", "notifications", "oncall", "victims"} <= set(project_apps())
    assert CONFIGURATION not in project_apps()


def test_no_import_cycle_between_apps():
    graph = import_graph()

    cycle = find_cycle({app: {t: m for t, m in edges.items() if t != CONFIGURATION} for app, edges in graph.items()})

    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_core_is_the_floor_it_imports_no_other_app():
    assert import_graph()["core"] == {}


def test_no_app_imports_the_configuration_package():
    offenders = {app: edges[CONFIGURATION] for app, edges in import_graph().items() if CONFIGURATION in edges}

    assert not offenders, f"apps may not import {CONFIGURATION}/ (settings come from django.conf): {offenders}"


def test_every_app_stands_on_core_and_is_listed_after_what_it_imports():
    """INSTALLED_APPS lists the apps in the order of the graph (load_demo and the demo data rely on
    it): every app comes after the apps it imports."""
    order = project_apps()
    graph = import_graph()

    late = [
        (app, target)
        for app, edges in graph.items()
        for target in edges
        if target in order and order.index(target) > order.index(app)
    ]

    assert order[0] == "core"
    assert not late, f"listed before an app it imports (app, imported): {late}"
