"""``pagesync serve``: a local twin of the hosted pages APIs over one SQLAlchemy store.

This package file stays import-light (the CLI reads ``DEFAULT_DB`` at start-up); the store,
the app factory and the dialects live in their own modules.
"""

# A SQLite file in the current folder, like git's .git: the server's data sits beside the project.
DEFAULT_DB = "pagesync.sqlite"
