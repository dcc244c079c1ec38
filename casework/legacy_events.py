"""Reading the case log's old sentences back into event codes (for the data migrations
that introduced ``CaseEvent.code``; see ``casework.event_text``).

Before codes, a service translated its sentence when it wrote it, so the log holds the
same event in English ("Registered via Phone.") or Chinese ("经来电登记。") depending on the
writer's language. Each ``Legacy`` names a code and the English source sentence it was
written from; the Chinese pattern is that sentence's translation in today's catalogue.
A note that matches becomes the code and its parameters (labels turned back into their
codes, in either language); text a person added after the sentence (" — reason") stays
as the note. A note that matches nothing is kept exactly as it was: a person's note, or
an old sentence nobody can read back with certainty.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext, override

from core.transitions import transitions_of

LANGUAGES = ("en", "zh-hans")
LIST_SEPARATORS = re.compile(r"、|, ")


def labels(choice_class) -> dict[str, str]:
    """Every label of ``choice_class`` in English and Chinese -> its code."""
    found = {}
    for language in LANGUAGES:
        with override(language):
            for value, label in choice_class.choices:
                found[str(label)] = value
    return found


def transition_labels(model) -> dict[str, str]:
    """Every transition label of ``model`` in English and Chinese -> the transition's name."""
    found = {}
    for language in LANGUAGES:
        with override(language):
            for name, transition in transitions_of(model).items():
                found[str(transition.custom.get("label", name))] = name
    return found


def translations(words: Mapping[str, str]) -> dict[str, str]:
    """``{English source: code}`` -> the same for the source and its Chinese translation."""
    found = {}
    for source, code in words.items():
        for language in LANGUAGES:
            with override(language):
                found[gettext(source)] = code
    return found


@dataclass(frozen=True)
class Legacy:
    """One old sentence: the ``code`` it becomes and its English source ``msgid``.

    ``coded`` maps a parameter to {label: code} (any language); ``lists`` names parameters
    that were joined lists; ``tail`` (the separator, as a regex) keeps what follows the
    sentence as the person's note;
    ``kinds`` limits the event kinds it is tried on; ``lead`` reads a "number: " before the
    sentence into that parameter (a mediation's entries); ``note_param`` is a parameter
    that held a person's words, which become the note."""

    code: str
    msgid: str | tuple[str, ...]  # several: sentences that were written one after another
    coded: Mapping[str, Mapping[str, str] | Callable[[str], str | None]] = field(
        default_factory=dict
    )
    lists: tuple[str, ...] = ()
    tail: str = ""  # the regex between the sentence and a person's words after it
    kinds: tuple[str, ...] = ()
    lead: str = ""
    note_param: str = ""  # a parameter that was a person's words: it becomes the note

    def patterns(self) -> list[re.Pattern]:
        found = []
        for language in LANGUAGES:
            with override(language):
                parts = (self.msgid,) if isinstance(self.msgid, str) else self.msgid
                found.append(self._compile(" ".join(gettext(p) for p in parts)))
        return found

    def _compile(self, template: str) -> re.Pattern:
        parts = re.split(r"%\((\w+)\)([sd])", template)
        regex = ""
        for i in range(0, len(parts), 3):
            regex += re.escape(parts[i])
            if i + 1 < len(parts):
                name, kind = parts[i + 1], parts[i + 2]
                regex += rf"(?P<{name}>\d+)" if kind == "d" else rf"(?P<{name}>.+?)"
        lead = rf"(?P<{self.lead}>.+?)(?:: |：)" if self.lead else ""
        tail = rf"(?:{self.tail}(?P<tail_note>.+))?" if self.tail else ""
        return re.compile(rf"^{lead}{regex}{tail}$", re.S)

    def read(self, note: str) -> tuple[dict, str] | None:
        """(params, remaining note) if ``note`` is this sentence, else None."""
        for pattern in self.patterns():
            match = pattern.match(note.strip())
            if match is None:
                continue
            params = {k: v for k, v in match.groupdict().items() if k != "tail_note"}
            ok = True
            for name, words in self.coded.items():
                if name not in params:
                    continue
                values = LIST_SEPARATORS.split(params[name]) if name in self.lists else None
                resolve = words if callable(words) else words.get
                if values is not None:
                    coded = [resolve(v.strip()) for v in values if v.strip()]
                    ok = ok and all(c is not None for c in coded)
                    params[name] = coded
                else:
                    params[name] = resolve(params[name].strip())
                    ok = ok and params[name] is not None
            if not ok:
                continue
            for name in self.lists:
                if name in params and name not in self.coded:
                    params[name] = [v.strip() for v in LIST_SEPARATORS.split(params[name])]
            source = "".join(self.msgid)
            for name, value in list(params.items()):
                if isinstance(value, str) and value.isdigit() and f"%({name})d" in source:
                    params[name] = int(value)
            note = (match.group("tail_note") or "").strip() if self.tail else ""
            if self.note_param:
                note = params.pop(self.note_param, "").strip()
            return params, note
        return None


def convert(model, legacies: Iterable[Legacy], *, fix: Callable | None = None) -> int:
    """Give every code-less event of ``model`` (the migration's historical ``CaseEvent``)
    whose note one of ``legacies`` reads its code and parameters; ``fix(event, code,
    params)`` may adjust them (e.g. a person's name in the name rule). Returns how many
    were converted; the others keep their note exactly."""
    legacies = list(legacies)
    converted = 0
    rows = QuerySet(model).filter(code="").exclude(note="").only("pk", "kind", "note", "transition")
    for event in rows.iterator():
        for legacy in legacies:
            if legacy.kinds and event.kind not in legacy.kinds:
                continue
            found = legacy.read(event.note)
            if found is None:
                continue
            params, note = found
            if fix is not None:
                params = fix(event, legacy.code, params)
            # A plain queryset: the ORM's append-only refusal is lifted here on purpose, as
            # the database's is by the migration (its one rewrite).
            QuerySet(model).filter(pk=event.pk).update(code=legacy.code, params=params, note=note)
            converted += 1
            break
    return converted
