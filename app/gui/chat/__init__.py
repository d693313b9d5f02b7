"""The Chat section: conversation list, message view, composer and per-conversation settings."""
