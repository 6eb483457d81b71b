"""Test settings: fast hashing, tasks run immediately, a temporary var/ per run."""

import os
import tempfile

# One var/ per test process: pytest-xdist's workers inherit the controller's environment,
# and a purge one worker runs (``purge-expired`` deletes stray rejected-rows files) must not
# delete a file the other is writing. Processes a test starts inherit their worker's.
# A var/ given by hand is kept.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_made_for = os.environ.get("FANGKONG_TEST_VAR_OF")
if "FANGKONG_VAR_DIR" not in os.environ or _made_for not in (None, _worker):
    os.environ["FANGKONG_VAR_DIR"] = tempfile.mkdtemp(prefix="fangkong-test-")
    os.environ["FANGKONG_TEST_VAR_OF"] = _worker

from .base import *  # noqa: E402, F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}

# Whitenoise warns about a missing STATIC_ROOT; tests serve from the finders instead.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
WHITENOISE_USE_FINDERS = True
