"""CLI commands, one module each; ``cli.py`` registers every ``*_command`` found here.

Keep heavy imports (the server, SQLAlchemy, httpx) inside the command functions so that
``pagesync --help`` stays fast.
"""
