"""KIK-Bot: answers questions about Kempten's integration concept in the asker's language."""

__version__ = "0.1.0"
