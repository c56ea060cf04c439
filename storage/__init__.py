"""The archive (issue 4): SQLAlchemy models, the content-addressed blob store, WARC, search queries.

Nothing is implemented here yet; the parser (`parsing`) is usable on its own.
"""
