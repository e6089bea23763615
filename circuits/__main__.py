"""``python -m circuits``: see :mod:`circuits.cli`."""

import sys

from circuits.cli import main

sys.exit(main())
