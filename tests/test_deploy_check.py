"""`make deploy-check`: Django's deployment checks pass on the production settings, and the
production settings refuse to start without their keys."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_production_settings_pass_the_deployment_checks():
    result = subprocess.run([str(ROOT / "scripts" / "deploy-check.sh")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_the_data_keys():
    env = {k: v for k, v in os.environ.items() if k not in ("PII_ENCRYPTION_KEYS", "PII_HASH_KEY", "AUDIT_HMAC_KEY")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY="x" * 60)
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "PII_HASH_KEY must be set" in result.stderr
