"""``python -m eval``: run the evaluation (see ``eval.run``)."""

import sys

from eval.run import main

sys.exit(main())
