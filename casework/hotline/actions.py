"""Our answers to a 12345 order: sign for, reply, return with reason, ask for more time.

Each checks that the order is at a step where the hotline accepts that message, moves the
order's hotline status, queues the message in the outbox and notes it on the case's
internal timeline — in one transaction, so a message exists exactly when the step does.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import permissions, services
from casework.models import HotlineOrder, HotlineOutbox, HotlineStatus, OutboxKind
from core.exceptions import ActionForbidden, TransitionRefused
from core.names import person_name

# From which hotline status each message may go, and the status it leaves.
STEPS = {
    OutboxKind.SIGN_FOR: ({HotlineStatus.RECEIVED}, HotlineStatus.SIGNED_FOR),
    OutboxKind.RETURN: (
        {HotlineStatus.RECEIVED, HotlineStatus.SIGNED_FOR},
        HotlineStatus.RETURN_REQUESTED,
    ),
    OutboxKind.EXTENSION: ({HotlineStatus.SIGNED_FOR}, HotlineStatus.EXTENSION_REQUESTED),
    OutboxKind.REPLY: (
        {HotlineStatus.SIGNED_FOR, HotlineStatus.EXTENSION_REQUESTED},
        HotlineStatus.REPLIED,
    ),
}
MAX_EXTENSION_DAYS = 30


def available(order: HotlineOrder) -> list[str]:
    """The messages the order's hotline status allows now."""
    return [kind for kind, (sources, _target) in STEPS.items() if order.status in sources]


def act(
    *, order: HotlineOrder, actor, kind: str, text: str = "", days: int | None = None
) -> HotlineOutbox:
    """Send ``kind`` for the order (a reply needs ``text``; a return its reason in
    ``text``; an extension ``days`` and its reason in ``text``)."""
    if kind not in STEPS:
        raise TransitionRefused(_("Unknown hotline message."))
    if not permissions.can_work_case(order.case, actor):
        raise ActionForbidden(_("You cannot work this case."))
    text = (text or "").strip()
    if kind in (OutboxKind.REPLY, OutboxKind.RETURN, OutboxKind.EXTENSION) and not text:
        raise TransitionRefused(_("Write the reply or the reason first."))
    if len(text) > 4000:
        raise TransitionRefused(_("At most 4000 characters."))
    if kind == OutboxKind.EXTENSION and not (days and 1 <= days <= MAX_EXTENSION_DAYS):
        raise TransitionRefused(_("Ask for 1 to %(n)s more days.") % {"n": MAX_EXTENSION_DAYS})
    sources, target = STEPS[kind]
    now = timezone.now()
    with transaction.atomic():
        locked = HotlineOrder.objects.select_for_update().select_related("case").get(pk=order.pk)
        if locked.status not in sources:
            raise TransitionRefused(
                _("The hotline order is “%(status)s” now: reload the page.")
                % {"status": locked.get_status_display()}
            )
        payload = {
            "type": kind,
            "order_number": locked.order_number,
            "case_reference": locked.case.reference,
            "at": timezone.localtime(now).isoformat(timespec="seconds"),
            "unit": locked.case.organisation.name,
            "officer": person_name(actor),
        }
        if kind == OutboxKind.REPLY:
            payload["reply"] = text
        elif kind == OutboxKind.RETURN:
            payload["reason"] = text
        elif kind == OutboxKind.EXTENSION:
            payload["reason"] = text
            payload["days"] = days
            payload["reply_due_requested"] = timezone.localtime(
                locked.reply_due + dt.timedelta(days=days)
            ).isoformat(timespec="seconds")
        locked.status = target
        locked.save(update_fields=["status", "updated_at"])
        message = HotlineOutbox.objects.create(
            order=locked, kind=kind, payload=payload, next_attempt_at=now
        )
        note = _("12345 order %(number)s: %(message)s queued for the hotline.") % {
            "number": locked.order_number,
            "message": OutboxKind(kind).label,
        }
        services.case_add_note(
            case=locked.case, actor=actor, text=f"{note}\n{text}" if text else note
        )
    order.status = target
    return message
