"""The pure core: knowledge, matching, language detection and rendering, without Telegram."""
