"""The image's health check: 0 when GET $ANONSCORE_HEALTH_URL (/readyz) answers 200.

Why a file and not curl: the image carries no curl; Python is there, and the URL comes from
the environment so that a container started on another port keeps a true health check."""

import os
import sys
import urllib.request

URL = os.environ.get("ANONSCORE_HEALTH_URL", "http://127.0.0.1:8080/readyz")
try:
    with urllib.request.urlopen(URL, timeout=2) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError:
    sys.exit(1)
