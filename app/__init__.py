"""Les démineurs: turn agents' fuzzy ideas into projects by clearing their mines together."""
