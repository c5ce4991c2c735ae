"""Fixtures for plugin tests; the data and builders live in tests/plugins/support.py.

`make_session(partial_attributes, channel=..., ip_country=...)` builds a CollectedSession
through `msgspec.convert(d, Attributes)`; `real_profile` runs a test once per real-world
device profile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from engine.features import CollectedSession, Context
from tests.plugins.support import PROFILES, build_context, build_session, profile_session


@pytest.fixture
def make_session() -> Callable[..., CollectedSession]:
    return build_session


@pytest.fixture
def make_context() -> Callable[..., Context]:
    return build_context


@pytest.fixture(params=sorted(PROFILES))
def real_profile(request: pytest.FixtureRequest) -> CollectedSession:
    name: Any = request.param
    return profile_session(name)
