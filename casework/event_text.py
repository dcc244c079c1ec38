"""Events stored as a code plus parameters, rendered when read, in the reader's language.

A case's log used to keep each entry as a sentence translated when it was written, so a
Chinese reader saw "Registered via Online." and an English one "经来电登记。". Now a
service writes ``CaseEvent(code="case.registered", params={"channel": "phone"})`` and the
page renders it with ``render(event)`` in whatever language is active. ``note`` keeps only
what a person wrote (a reason, a reply, a comment) — shown as written, never translated.

What each parameter stores (decided once, here, per kind of value):

- **choices** (a channel, a party's role, a status, a transition, a reason code): the
  code; the label is looked up in the reader's language (``choices=`` below).
- **people and organisations**: the name **as it was** when the event happened (a name
  snapshot, written by ``core.names.person_name``): the log is a record — it is printed
  into the archived dossier — and must say who it was then, not who holds the account
  now. Names are the same in both languages, so the snapshot costs no translation.
- **references, numbers, dates**: as text (``2026-000123``, ``2026-12-05``), which reads
  the same in both languages; a list (of references, of names) is joined with the
  reader's separator (``、`` in Chinese, ``, `` in English).

Apps built on casework register their own codes (``register``) — consultation registers
the meetings', ballots' and mediations' codes in ``consultation.case_events``. An event
whose code is unknown or whose parameters no longer fit renders as its code's note only,
never as an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language

from core.names import list_separator

Resolver = Callable[[Any], str]


@dataclass(frozen=True)
class EventMessage:
    """The sentence of one event code: a lazily translated ``%(name)s`` template and, for
    the parameters stored as codes, how to turn each into words."""

    text: Any
    resolvers: Mapping[str, Resolver] = field(default_factory=dict)
    lead: str = ""  # a parameter printed before the sentence ("(2026) 邻里人调字第12号：…")


MESSAGES: dict[str, EventMessage] = {}


def choices(choice_class) -> Resolver:
    """A resolver for a parameter stored as a ``TextChoices`` value (or a list of them):
    its label now, in the reader's language."""

    def label(value) -> str:
        try:
            return str(choice_class(value).label)
        except ValueError:
            return str(value)

    def resolve(value):
        if isinstance(value, list | tuple):
            return list_separator().join(label(v) for v in value)
        return label(value)

    return resolve


def register(code: str, text, *, lead: str = "", **resolvers: Resolver) -> str:
    """Declare event ``code`` with its sentence ``text`` (``gettext_lazy``) and how its
    coded parameters become words; ``lead`` names a parameter written before the sentence
    (a mediation's number). Returns the code, so callers can keep it as a name."""
    if code in MESSAGES and MESSAGES[code].text != text:
        raise LookupError(f"event code {code!r} is declared twice")
    MESSAGES[code] = EventMessage(text=text, resolvers=resolvers, lead=lead)
    return code


def render_code(code: str, params: Mapping[str, Any] | None) -> str:
    """The sentence of ``code`` with ``params`` in the active language ("" when the code
    is unknown or its parameters do not fit: the event still shows its kind and note)."""
    message = MESSAGES.get(code)
    if message is None:
        return ""
    values = {}
    for key, value in (params or {}).items():
        resolver = message.resolvers.get(key)
        if resolver is not None:
            value = resolver(value)
        elif isinstance(value, list | tuple):
            value = list_separator().join(str(v) for v in value)
        values[key] = value
    try:
        sentence = str(message.text) % values
    except (KeyError, TypeError, ValueError):
        return ""
    if message.lead and values.get(message.lead):
        colon = "：" if (get_language() or "").startswith("zh") else ": "
        sentence = f"{values[message.lead]}{colon}{sentence}"
    return sentence


def render(event) -> str:
    """The generated sentence of a ``CaseEvent`` (its ``code`` and ``params``) in the
    reader's language; "" for an event without a code (a person's note, or an old entry
    the migration could not read, whose original text stays in ``note``)."""
    if not event.code:
        return ""
    return render_code(event.code, event.params)


def full_text(event) -> str:
    """The generated sentence and a person's note, one per line (for the PDFs and mails,
    which print the log as text)."""
    return "\n".join(part for part in (render(event), (event.note or "").strip()) if part)
