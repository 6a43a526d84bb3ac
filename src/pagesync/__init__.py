"""pagesync: edit a hosted wiki as a folder of Markdown files, and keep the two in sync."""

__version__ = "0.1.0"
