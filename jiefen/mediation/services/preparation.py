"""preparation services of mediation."""

PRECONDITIONS = []  # (lifecycle action, check) pairs
