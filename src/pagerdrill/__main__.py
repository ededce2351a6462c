"""``python -m pagerdrill``: the same as the ``pagerdrill`` command."""

import sys

from pagerdrill.cli import main

sys.exit(main())
