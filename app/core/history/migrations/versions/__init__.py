"""One small, named revision per schema change; never edit a released one."""
