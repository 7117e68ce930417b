"""Walks imported from a phone's or watch's export (issue 13). See docs/activity-import.md.

``parsers/`` turn one file format into ``Activity`` records (pure, streaming, no database);
the rest of this package previews them against the patient's walks and saves them.
"""
