"""Documentation that quotes the tool stays in step with it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_config_reference_quotes_the_current_config_example() -> None:
    example = subprocess.run(
        [sys.executable, "-m", "deploytool", "config", "example"], capture_output=True, text=True, check=True
    ).stdout
    page = (ROOT / "docs" / "config.md").read_text()
    assert "```json\n" + example + "```" in page, (
        "regenerate docs/config.md's example from `deploytool config example`"
    )
