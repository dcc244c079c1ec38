"""Re-seal personal data under the current key (LINLI_PII_KEY_ID), in batches.

Rotation, as an operator does it (docs/deploy.md): add the new key to LINLI_PII_KEYS,
point LINLI_PII_KEY_ID at it, restart, then run this command; when it reports nothing
left, the old key may leave LINLI_PII_KEYS. Values written in clear before encryption
existed are sealed too.

Resumable: it looks only for values not yet under the current key, so a run that was
stopped (or failed on a value it cannot read) continues where it stood when started
again. Each batch is its own transaction; each run is logged and recorded in the
security record (counts only, never a value).
"""

import logging

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from core import crypto
from core.audit import record
from core.fields import EncryptedCharField
from core.models import SecurityEventKind

logger = logging.getLogger("linli.pii")


def encrypted_fields() -> list[tuple[type, list[str]]]:
    """Every model with encrypted fields, and their names (from the models themselves)."""
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]
        if names:
            found.append((model, names))
    return found


def stale_rows(model, names: list[str], current: str):
    """Rows of ``model`` with a non-blank value in ``names`` not sealed under ``current``
    — compared on the stored token (a Cast keeps the field from decrypting it)."""
    prefix = f"{crypto.PREFIX}:{current}:"
    raw = {f"_raw_{n}": Cast(n, output_field=TextField()) for n in names}
    stale = Q()
    for n in names:
        stale |= ~Q(**{f"_raw_{n}": ""}) & ~Q(**{f"_raw_{n}__startswith": prefix})
    return model._default_manager.annotate(**raw).filter(stale).order_by("pk")


class Command(BaseCommand):
    help = (
        "Re-encrypt every personal-data value not yet under LINLI_PII_KEY_ID, in batches "
        "(resumable). Run after adding a new key and making it current."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=1000, help="Rows per transaction.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the rows to re-seal; change nothing."
        )

    def handle(self, *args, batch=1000, dry_run=False, **options):
        try:
            current = crypto.keyring().current
        except crypto.PIIKeyError as exc:
            raise CommandError(str(exc)) from None
        total = 0
        for model, names in encrypted_fields():
            label = model._meta.label
            if dry_run:
                count = stale_rows(model, names, current).count()
                self.stdout.write(f"{label}: {count} rows to re-seal under key {current!r}.")
                total += count
                continue
            done = 0
            last = 0
            while True:
                with transaction.atomic():
                    rows = list(
                        stale_rows(model, names, current)
                        .filter(pk__gt=last)
                        .select_for_update()
                        .only("pk", *names)[:batch]
                    )
                    if not rows:
                        break
                    try:
                        # Reading decrypted them (or found clear text); saving seals
                        # them under the current key.
                        model._default_manager.bulk_update(rows, names)
                    except crypto.PIIKeyError as exc:
                        raise CommandError(f"{label}: {exc}") from None
                done += len(rows)
                last = rows[-1].pk
                logger.info("pii rotation %s: %s rows re-sealed (to pk %s)", label, done, last)
            self.stdout.write(f"{label}: {done} rows re-sealed under key {current!r}.")
            total += done
        if dry_run:
            self.stdout.write(f"{total} rows in all would be re-sealed.")
            return
        record(SecurityEventKind.PII_KEY_ROTATED, detail={"key_id": current, "rows": total})
        self.stdout.write(f"{total} rows in all re-sealed under key {current!r}.")
