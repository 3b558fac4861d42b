"""``python -m tftrain``: the ``tftrain`` command."""

import sys

from tftrain.cli import main

sys.exit(main())
