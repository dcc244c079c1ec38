"""The 12345 order on the case page: its clock beside ours, the messages, the actions."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import hooks, permissions
from casework.hotline import actions, outbound
from casework.models import HotlineOrder, HotlineOutbox, OutboxKind, OutboxStatus
from casework.views import visible_case
from core.exceptions import ServiceError
from core.view_helpers import refused


@hooks.case_panel("casework/case/_hotline.html")
def hotline_panel(request, case) -> dict | None:
    """The hotline order's status and deadlines beside the case's, its outbox (attempts,
    last error, next try) and the messages the order allows now."""
    order = HotlineOrder.objects.filter(case=case).first()
    if order is None:
        return None
    now = timezone.now()
    can_work = permissions.can_work_case(case, request.user)
    allowed = actions.available(order) if can_work else []
    return {
        "hotline_order": order,
        "hotline_sign_for_overdue": order.status == "received" and order.sign_for_due < now,
        "hotline_reply_overdue": order.status not in ("replied", "closed")
        and order.reply_due < now,
        "hotline_outbox": order.outbox.order_by("-created_at", "-id"),
        "hotline_actions": [(k, OutboxKind(k).label) for k in allowed],
        "hotline_can_work": can_work,
        "hotline_why_not": None
        if can_work
        else _("Only the officer working this case and supervisors answer the hotline."),
    }


@require_POST
def hotline_act(request, pk: int):
    case = visible_case(request, pk)
    order = HotlineOrder.objects.filter(case=case).first()
    if order is None:
        raise Http404
    kind = request.POST.get("kind", "")
    days = request.POST.get("days", "")
    try:
        actions.act(
            order=order,
            actor=request.user,
            kind=kind,
            text=request.POST.get("text", ""),
            days=int(days) if days.isdigit() and len(days) < 4 else None,
        )
    except ServiceError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Queued for the hotline; it is sent within minutes."))
    return redirect(reverse("casework:case_detail", args=[case.pk]) + "#hotline")


@require_POST
def hotline_resend(request, pk: int, message_id: int):
    case = visible_case(request, pk)
    if not permissions.can_work_case(case, request.user):
        raise Http404
    message = HotlineOutbox.objects.filter(
        pk=message_id, order__case=case, status=OutboxStatus.FAILED
    ).first()
    if message is None:
        raise Http404
    outbound.resend(message=message)
    messages.success(request, _("Queued again for the hotline."))
    return redirect(reverse("casework:case_detail", args=[case.pk]) + "#hotline")
