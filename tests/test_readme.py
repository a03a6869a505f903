"""The README's two commands stay true: CI runs exactly the test command, the app command's parts exist."""

import re

from kzlogframe.cli import build_parser
from tests.conftest import ROOT


def block_after(heading: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(heading):]
    return re.search(r"```bash\n(.*?)\n```", section, re.S).group(1).strip()


def test_ci_runs_exactly_the_readme_test_command():
    command = block_after("## Run the tests")
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci[-1] == command


def test_app_command_uses_existing_pieces():
    command = block_after("## Run the app")
    assert command.startswith("bash scripts/setup.sh && ")
    assert "python3 -m streamlit run app.py" in command
    demo = re.search(r"python3 -m kzlogframe (\w+)", command).group(1)
    assert build_parser().parse_args([demo]).command == "demo"
    assert (ROOT / "scripts" / "setup.sh").exists() and (ROOT / "app.py").exists()
