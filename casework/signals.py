"""Signals casework sends so that apps built on it can join in without casework importing
them (DESIGN.md: consultation may import casework, never the reverse)."""

from django.dispatch import Signal

# Sent by ``sla_sweep`` after it has chased referrals and cases, with ``today``. Each
# receiver chases its own overdue items and returns ``(label, overdue, chased_now)``,
# which the sweep reports beside its own counts.
sla_sweeping = Signal()
