"""``python -m medcredit``: the same as the ``medcredit`` command."""

import sys

from medcredit.cli.main import main

sys.exit(main())
