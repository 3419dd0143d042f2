"""``python -m schulsozial.staffing``: see schulsozial/staffing/cli.py."""

import sys

from .cli import main

sys.exit(main())
