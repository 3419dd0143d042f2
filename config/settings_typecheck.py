"""Settings for mypy's Django plugin (`make typecheck`, pre-commit, `.venv/bin/mypy FILE`).

The plugin imports the settings to learn the installed apps and models; the real settings
refuse to load without SECRET_KEY outside DEBUG, so this module loads them as the tests do.
"""

import os

os.environ.setdefault("SCHULSOZIAL_TESTING", "1")

from config.settings import *  # noqa: F403
