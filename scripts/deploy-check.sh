#!/usr/bin/env bash
# Django's deployment checks on the production settings; any warning fails.
# Uses throwaway keys unless the real ones are in the environment, so it can run anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
random() { "$PY" -c "import secrets; print(secrets.token_urlsafe($1))"; }
export DJANGO_SETTINGS_MODULE=config.settings.production
export SECRET_KEY="${SECRET_KEY:-$(random 60)}"
export PII_HASH_KEY="${PII_HASH_KEY:-$(random 40)}"
export AUDIT_HMAC_KEY="${AUDIT_HMAC_KEY:-$(random 40)}"
export PII_ENCRYPTION_KEYS="${PII_ENCRYPTION_KEYS:-$("$PY" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-jiefen.example.cn}"
exec "$PY" manage.py check --deploy --fail-level WARNING
