"""The README's two set-up commands are the ones the project really uses."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```(?:bash|sh)\n(.+?)\n```", text)


def test_readme_has_exactly_two_setup_commands_first():
    cmds = _commands()
    assert len(cmds) >= 2
    assert "requirements.txt" in cmds[0] and "streamlit run app.py" in cmds[0]
    assert "requirements-dev.txt" in cmds[1] and "pytest" in cmds[1]


def test_ci_runs_the_readme_test_command_unchanged():
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert _commands()[1] in ci


def test_requirements_are_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            assert "==" in line, line
    names = {ln.split("==")[0].lower() for ln in (ROOT / "requirements.txt").read_text()
             .splitlines() if "==" in ln}
    assert names == {"streamlit", "sympy", "numpy", "plotly"}
