"""The parser's version: stored beside every record the parser makes (`ReportVersion.parser_version`),
so the archive can tell which parser read a payload and a reparse after an improvement can be traced."""

PARSER_VERSION = "0.1.0"
