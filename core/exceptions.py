"""Errors the service layer raises; views turn each into a message a person can act on
(``core.view_helpers.refused``: a forbidden action is a 403 page, anything else messages)."""

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """Base class: carries one or more human-readable reasons."""

    default_message = _("The action could not be completed.")

    def __init__(self, *messages):
        self.messages = [str(m) for m in messages] or [str(self.default_message)]
        super().__init__("; ".join(self.messages))


class TransitionRefused(ServiceError):
    """The transition is not possible now: wrong state, or a guard is not met."""

    default_message = _("This action is not possible in the case's current state.")


class ActionForbidden(ServiceError):
    """The actor may see the record but is not allowed to do this to it."""

    default_message = _("You are not allowed to do this.")


class ConcurrentChange(ServiceError):
    """Someone else changed the record since the actor loaded it."""

    default_message = _("This case was changed by someone else. Reload the page and try again.")


class ImmutableRecord(ServiceError):
    """An append-only or approved record cannot be changed or deleted (the ORM refuses;
    for the logs, the database refuses too: ``core.append_only``)."""

    default_message = _("This record is append-only and cannot be changed or deleted.")
