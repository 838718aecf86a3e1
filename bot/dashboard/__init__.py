"""The staff web dashboard: server-rendered pages and a JSON API, behind one-time-link sign-in."""

from bot.dashboard.app import create_app
from bot.dashboard.server import serve_dashboard

__all__ = ["create_app", "serve_dashboard"]
