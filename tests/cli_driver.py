"""Run ``cli.main`` with the slow scripted team in place of the real model, for signal tests.

Usage: python -m tests.cli_driver CALL_LOG CLI_ARGS...
(CALL_LOG: see ``tests.crash_driver.slow_team``; share it between a run and its resume.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import backends.factory
import cli
from tests.crash_driver import slow_team

if __name__ == "__main__":
    team = slow_team(Path(sys.argv[1]))
    backends.factory.make_chat_model = lambda settings: team.model
    sys.exit(cli.main(sys.argv[2:]))
