"""The output type that carries a briefing's title, running header and illustrative flag.

A module of its own so the exporter (`stpreport.render`) can read it without importing the
analysis: build workers render briefings but never compute them.
"""

META_MIMETYPE = "application/vnd.stpreport.meta+json"
