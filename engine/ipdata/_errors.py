"""The one exception of the IP data package, kept here so the package stands alone."""

from __future__ import annotations


class IpDataError(Exception):
    """IP data (range table, list file or npm package) is missing or invalid. The message
    names the file and what to do, usually `anonscore update-data`."""
