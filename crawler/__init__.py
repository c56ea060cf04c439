"""The Scrapy project: spiders per portal platform, middlewares and pipelines (issue 5).

Spiders hand every fetched payload to `parsing.parse_report` and the archive in `storage`;
nothing here parses report contents itself.
"""
