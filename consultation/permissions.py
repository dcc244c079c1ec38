"""Who may do what with meetings and minutes: (record, user) -> bool, as django-fsm's
``permission=`` expects. Meetings belong to the area of their cases' place."""

from casework.permissions import covers
from casework.roles import Role

STAFF = {Role.MEDIATOR, Role.SUPERVISOR}


def can_run_meeting(meeting, user) -> bool:
    """Mediators and supervisors of the area convene meetings and keep their record."""
    return covers(user, meeting.place, STAFF)


def can_write_minutes(minutes, user) -> bool:
    return can_run_meeting(minutes.meeting, user)


def can_approve_minutes(minutes, user) -> bool:
    return can_run_meeting(minutes.meeting, user)


def can_archive_minutes(minutes, user) -> bool:
    return covers(user, minutes.meeting.place, {Role.SUPERVISOR, Role.ARCHIVIST})


def can_read_archive(record_place, user) -> bool:
    return covers(user, record_place, {Role.MEDIATOR, Role.SUPERVISOR, Role.ARCHIVIST})


def can_run_ballot(campaign, user) -> bool:
    """Mediators and supervisors of the case's area run its ballots and enter the votes."""
    return covers(user, campaign.case.place, STAFF)


def covers_place(user, place) -> bool:
    return covers(user, place, STAFF)


def can_mediate(mediation, user) -> bool:
    """A mediation's own mediators and the area's supervisors keep its record."""
    if covers(user, mediation.case.place, {Role.SUPERVISOR}):
        return True
    return covers(user, mediation.case.place, {Role.MEDIATOR}) and (
        mediation.pk is None or mediation.mediators.filter(pk=user.pk).exists()
    )


def can_read_mediation(mediation, user) -> bool:
    """Mediation content is confidential (DOMAIN.md §4): its mediators, the case's
    officer, and the area's supervisors and archivists."""
    place = mediation.case.place
    if covers(user, place, {Role.SUPERVISOR, Role.ARCHIVIST}):
        return True
    return covers(user, place, {Role.MEDIATOR}) and (
        mediation.case.assigned_officer_id == user.pk
        or mediation.mediators.filter(pk=user.pk).exists()
    )
