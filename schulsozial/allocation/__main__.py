"""``python -m schulsozial.allocation``: see schulsozial/allocation/cli.py."""

import sys

from .cli import main

sys.exit(main())
