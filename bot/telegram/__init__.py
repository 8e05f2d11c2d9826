"""Telegram adapters: thin handlers over the pure core (bot/core)."""
