"""What the machine must have before `make` builds the environment: Python 3.11+ and Pango.

Prints one line naming what is missing and how to install it, and exits 1;
prints nothing when all is there. Run by the Makefile; standard library only.
"""

import ctypes.util
import sys

PANGO_HINT = (
    "WeasyPrint (the PDF letters) needs the Pango library: "
    "Debian/Ubuntu: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0; "
    "Fedora: sudo dnf install pango; macOS: brew install pango"
)
SPEED_HINT = (
    "optional speed-up for PDF fonts: Debian/Ubuntu libharfbuzz-subset0, Fedora harfbuzz, macOS brew install harfbuzz"
)


def main() -> int:
    if sys.version_info < (3, 11):
        print(f"Python 3.11 or newer is needed (found {sys.version.split()[0]}); "
              "run make with PYTHON=/path/to/python3.11", file=sys.stderr)
        return 1
    if sys.platform != "win32" and "--python-only" not in sys.argv:
        missing = [name for name in ("pango-1.0", "pangoft2-1.0") if ctypes.util.find_library(name) is None]
        if missing:
            print(f"missing system library {', '.join(missing)}. {PANGO_HINT}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
