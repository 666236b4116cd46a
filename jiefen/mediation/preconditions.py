"""The law's preconditions on lifecycle steps; registered when the app is ready."""
