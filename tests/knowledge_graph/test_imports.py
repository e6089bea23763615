import ast
import pathlib
import subprocess
import sys

import knowledge_graph

PACKAGE = pathlib.Path(knowledge_graph.__file__).parent
FORBIDDEN = ("django", "tutor", "planner", "circuits", "kirchhoff")


def imported_roots(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def test_knowledge_graph_imports_nothing_of_ours_but_itself():
    offenders = {
        f"{path.name}: {root}"
        for path in PACKAGE.rglob("*.py")
        for root in imported_roots(path)
        if root in FORBIDDEN
    }
    assert offenders == set()


def test_importing_the_learner_model_stays_cheap():
    # heavy libraries load lazily; a plain import must not pull scipy or pandas in
    code = (
        "import sys, knowledge_graph.learner, knowledge_graph.diagnosis, knowledge_graph.knowledge_states;"
        "print(','.join(m for m in ('scipy', 'pandas', 'django', 'planner') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
