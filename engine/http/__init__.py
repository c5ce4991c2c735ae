"""The HTTP front."""

from engine.http.app import AppState, create_app

__all__ = ["AppState", "create_app"]
