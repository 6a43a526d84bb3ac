"""The sync engine: the state of the last sync (``state``), then the plan and its application.

``state.py`` keeps, per page, what both sides looked like at the last sync, in
``.pagesync/state.sqlite``; the pure plan (local x remote x base -> actions) and the apply step
build on it.
"""
