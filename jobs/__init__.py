"""Periodic work. Each module exposes plain async functions taking the AppContext, so the same job
runs under python-telegram-bot's JobQueue (``recovery-bot run``) or a bare APScheduler
(``recovery-bot jobs``)."""
