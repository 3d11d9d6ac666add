"""Background work of the questionnaires app (run by ``forlob worker``)."""

from __future__ import annotations

from forlob.questionnaires.services import invite_satisfaction_for_completed_pathways


def invite_satisfaction() -> int:
    """Periodic job: invite the satisfaction survey for recently completed pathways."""
    return invite_satisfaction_for_completed_pathways()
