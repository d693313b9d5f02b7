"""Parley: an offline desktop app for chatting with and working through text with a local LLM."""

__version__ = "0.1.0"
APP_NAME = "Parley"
