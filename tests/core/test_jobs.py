"""Background jobs: in-process by default, and through a real Redis broker to a real Celery worker."""

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from liuke.core.tasks import verify_log_task

BIN = Path(sys.executable).parent


@pytest.mark.django_db
def test_embedded_default_runs_jobs_in_process(world, settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER
    report = verify_log_task.delay().get()
    assert report["ok"] is True
    assert report["checked"] > 20


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def test_job_goes_through_redis_to_a_celery_worker(tmp_path):
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    queue = f"liuke-test-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        LIUKE_DATA_DIR=str(tmp_path),
        CELERY_BROKER_URL="redis://127.0.0.1:6379/15",
        CELERY_RESULT_BACKEND="redis://127.0.0.1:6379/15",
    )
    subprocess.run([BIN / "liuke", "demo"], env=env, check=True, capture_output=True)
    worker = subprocess.Popen(
        [BIN / "celery", "-A", "liuke", "worker", "--pool=solo", "-Q", queue, "--loglevel=WARNING"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        sender = (
            "import json, django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'liuke.settings'); "
            "django.setup(); "
            "from liuke.core.tasks import verify_log_task; "
            f"print(json.dumps(verify_log_task.apply_async(queue='{queue}').get(timeout=60)))"
        )
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-c", sender], env=env, capture_output=True, text=True, timeout=90)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout.strip().splitlines()[-1])
        assert report["ok"] is True
        assert report["checked"] > 500  # the demo company's history, verified by the worker
        assert time.monotonic() - started < 90
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
