"""Background jobs of the channel: eager in-process by default, Celery workers in production."""

from typing import Any

from celery import shared_task

from . import uploads


@shared_task(name="liuke.channel.import_flow")
def import_flow_task(**kwargs: Any) -> dict[str, Any]:
    """Import a flow file uploaded on the web page (see :func:`liuke.channel.uploads.upload_import`)."""
    return uploads.upload_import(**kwargs)
