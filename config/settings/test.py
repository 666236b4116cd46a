from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# The suite signs users in directly; the lockout tests switch django-axes on for themselves.
AXES_ENABLED = False
# The suite reads figures right after making cases; tests/test_statistics_snapshots.py turns the
# background computations on for itself.
STATISTICS_IN_BACKGROUND = False
