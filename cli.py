"""Draftsmith on the command line (the code is in ``ui/cli/``).

    python cli.py draft "TOPIC" [options]   draft a post (progress on stderr, post on stdout or --out)
    python cli.py runs                      list past runs
    python cli.py show RUN_ID [--round N]   print a stored draft
    python cli.py resume RUN_ID             continue an interrupted, stopped or paused run
    python cli.py batch TOPICS --out DIR    draft every topic of a file, one post each
    python cli.py models [pull NAME]        list the models (the recommended one marked), or download one

Exit codes: 0 success, 2 bad input, 1 runtime failure (details in the log file it names),
3 a batch where some topics failed, 130 interrupted (the run is checkpointed: resume it).
"""

import sys

from ui.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
