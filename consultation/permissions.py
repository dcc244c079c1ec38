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
