"""Collecting articles: feed lists, polite HTTP, feed parsing, normalisation and dedupe, full text,
and local-file import. Entry points: `fetch.fetch_feeds` and `importer.import_paths`."""
