"""Background tasks of the notifications app (run by ``forlob worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def send_message(message_id: int) -> str:
    """Send one queued message (``services.message_send``); returns its status afterwards."""
    from forlob.notifications.services import message_send

    return message_send(message_id)
