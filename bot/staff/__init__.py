"""Staff tools without Telegram: editing the knowledge, learning from questions, hand-over."""
