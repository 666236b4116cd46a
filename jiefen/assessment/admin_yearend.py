"""Admin for the year-end score sheets and results."""
