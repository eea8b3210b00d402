"""``python -m lgsco_report.batch ARGS``: the same as ``lgsco-report letters ARGS``.

The command line lives in ``lgsco_report.cli``; this script only points there
(the batch package itself never imports the CLI).
"""

import sys

from lgsco_report.cli import letters_script

sys.exit(letters_script(sys.argv[1:]))
