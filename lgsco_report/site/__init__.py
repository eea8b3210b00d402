"""``lgsco-report site``: every council's years on one page, as a static site ("Your council's performance").

The multi-year view beside the year's index of letters: ``index.html`` (find a
council, filter by type, every council's latest key rates against its type,
England by year) and ``councils/<slug>/index.html`` per council (each year's
complaints dealt with as the Ombudsman splits them, the key rates beside the
average for similar authorities with the numbers they rest on, public reports,
service improvements, the year's letters, trend charts as inline SVG). Made
from the same statistics and formatting rules as the letters; offline and
self-contained (no remote file of any kind); rebuilt page by page only where
a page's inputs changed.
"""

from .build import SITE_MANIFEST, SiteResult, build_site
from ..errors import SiteError
from .gather import parse_years
from .links import council_page_href

__all__ = ["SITE_MANIFEST", "SiteError", "SiteResult", "build_site", "council_page_href", "parse_years"]
