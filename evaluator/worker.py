"""The Celery worker of the background tasks (``evaluator.tasks``), for when ``EVALUATOR_BROKER_URL``
is set. Start one with::

    .venv/bin/celery -A evaluator.worker worker --concurrency 1 --max-tasks-per-child 200

Each worker process builds the app once and runs every task in an app context of its own. A child
recycles after ``WORKER_MAX_TASKS`` tasks (default 200): WeasyPrint's memory creeps about 0.3 MiB a
render, so a long batch must not grow one process without end.
"""

from __future__ import annotations

from typing import Any

from evaluator import create_app
from evaluator import tasks as background

flask_app = create_app()
if not background.broker_url(flask_app):
    raise RuntimeError("EVALUATOR_BROKER_URL is not set: there is no broker to take tasks from")
with flask_app.app_context():
    celery = background.celery_app(background.broker_url(flask_app))
celery.conf.worker_max_tasks_per_child = int(flask_app.config.get("WORKER_MAX_TASKS", 200))
app = celery  # what ``celery -A evaluator.worker`` looks for


@celery.task(name=background.TASK_NAME, acks_late=True, reject_on_worker_lost=True)
def run_task(name: str, args: list[Any]) -> None:
    """Run one registered task in an app context of its own."""
    background.run_in_context(flask_app, name, args)
