"""The one transition runner for Linli's six state machines (case, referral, meeting,
minutes, owner ballot, people's mediation), built on django-fsm-2.

Each app declares its machine once (``CASES = Machine(Case, ...)``) and its services move
a record with ``MACHINE.run(record, name, actor=..., expected_version=..., **params)``:

1. **lookup**: ``name`` must be a declared transition of the model, and not ``internal``
   unless the service passes ``internal=True``; anything else is "Unknown action.";
2. **row lock and version check**: the row is read again ``SELECT ... FOR UPDATE`` and its
   ``version`` compared with the one the user's page showed (``expected_version``; without
   it, the version of the object the caller holds, unless the machine says not to):
   a difference is ``ConcurrentChange`` ("changed by someone else — reload");
3. **guard**: the transition must leave the current state, the actor must hold its
   ``permission``, and every condition must hold; every unmet condition is named in words
   (its ``reasons(record)``, ``explain(record)`` or ``message``) — ``ActionForbidden`` or
   ``TransitionRefused``;
4. **before hooks** (``Machine.before``): what the call needs computed on the locked row
   first, returned as the transition's keyword arguments (the ballot's exact tally);
5. **the call**: the transition method, which only stamps fields on the same row (it may
   refuse with ``TransitionRefused`` when an argument is missing);
6. **version bump and save**: ``version + 1``; django-fsm's ``ConcurrentTransitionMixin``
   refuses the save if the state changed underneath, which is ``ConcurrentChange`` too;
7. **after hooks** (``Machine.after``): what the transition also does, in the same
   transaction (archive the approved minutes, freeze the electorate, answer a resident's
   reopen request...), each a named function registered for its transition.

``run`` returns a ``Fired`` (the saved record, the transition, the state it left). A
service that also writes (the case's event log) wraps ``run`` in its own transaction.

The ``custom={}`` keys our transitions use:

- ``label``: the button's words and the event log's verb (lazily translated);
- ``needs``: the fields the button's form asks for (``reason``, ``note``, ``outcome``,
  ``summary``, ``starts_at``, ``return_reason``, ``days``, ``reply``, ``routes``);
- ``public``: the event the transition leaves on the case's log is shown to the resident;
- ``internal``: not an action a person chooses (merging a duplicate, an agreement taking
  effect): the services fire it themselves, ``run`` refuses it from outside and
  ``available`` never offers it;
- ``side`` (referrals only): who takes it, ``"street"`` or ``"organisation"``;
- ``who``: who may take it, in words ("A supervisor closes the case…"): ``offers`` shows
  the step, disabled with these words, to someone who may not take it themselves (a case's
  mediator sees how a resolved case gets closed) instead of hiding it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, Transition

from core.exceptions import ActionForbidden, ConcurrentChange, TransitionRefused

BeforeHook = Callable[..., Mapping[str, Any]]
AfterHook = Callable[..., None]


def required(value: str, message) -> str:
    """``value`` stripped, or ``TransitionRefused(message)`` when it is empty: for the
    arguments a transition body needs (a reason, a note)."""
    value = (value or "").strip()
    if not value:
        raise TransitionRefused(message)
    return value


def transitions_of(model, field_name: str = "status") -> dict[str, Transition]:
    """Every declared transition of ``model`` by name (one entry per name)."""
    state_field = model._meta.get_field(field_name)
    return {t.name: t for t in state_field.get_all_transitions(model)}


def label_of(model, name: str) -> str:
    """The words of transition ``name`` of ``model`` (its ``label``), or the name itself."""
    transition = transitions_of(model).get(name)
    return str(transition.custom.get("label", name)) if transition is not None else name


def reasons(condition, record) -> list[str]:
    """Why ``condition`` does not hold for ``record``, in words: its ``reasons(record)``
    when it checks several things (the guards other apps register on a case), else its
    ``explain(record)`` when the words depend on the record (e.g. which dossier items are
    missing), else its fixed ``message``."""
    if hasattr(condition, "reasons"):
        return [str(r) for r in condition.reasons(record)]
    explain = getattr(condition, "explain", None)
    return [str(explain(record)) if explain is not None else str(condition.message)]


def guard(obj, name: str, actor, *, not_possible, not_allowed) -> Transition:
    """The transition ``name`` of ``obj`` in its current state, if ``actor`` may take it now.

    ``not_possible`` and ``not_allowed`` are the caller's sentences (with ``%(action)s`` and
    ``%(status)s``): the record's noun differs ("the case is", "the minutes are")."""
    transition = getattr(obj, name)._django_fsm.get_transition(obj.status)
    label = label_of(type(obj), name)
    if transition is None:
        raise TransitionRefused(
            not_possible % {"action": label, "status": obj.get_status_display().lower()}
        )
    if not transition.has_perm(obj, actor):
        raise ActionForbidden(not_allowed % {"action": label})
    unmet = [
        r
        for condition in transition.conditions
        if not condition(obj)
        for r in reasons(condition, obj)
    ]
    if unmet:
        raise TransitionRefused(*unmet)
    return transition


@dataclass(frozen=True)
class Fired:
    """A transition that ran: the saved record, the transition, and the state it left."""

    record: Any
    transition: Transition
    source: str

    @property
    def label(self) -> str:
        return str(self.transition.custom.get("label", self.transition.name))

    @property
    def public(self) -> bool:
        return bool(self.transition.custom.get("public", False))


@dataclass(frozen=True)
class Offer:
    """A step a page shows: the transition, and why it is withheld (no reasons: it may be
    taken now). A withheld step is a disabled button with its reasons beside it."""

    transition: Transition
    reasons: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.transition.name

    @property
    def label(self) -> str:
        return str(self.transition.custom.get("label", self.transition.name))

    @property
    def custom(self) -> Mapping[str, Any]:
        return self.transition.custom

    @property
    def allowed(self) -> bool:
        return not self.reasons


@dataclass
class Machine:
    """One model's state machine as the services run it (see the module's docstring).

    ``not_possible`` / ``not_allowed`` / ``changed`` are the sentences a person reads, with
    the record's own noun; ``related`` is loaded with the locked row; ``save_fields``
    names the columns a transition may write when the row's ``save`` refuses a full save
    (approved minutes); ``check_held_version=False`` compares versions only when the page
    posted one (a mediation's services write its row between page loads)."""

    model: type[models.Model]
    not_possible: str
    not_allowed: str
    changed: str = ""
    related: tuple[str, ...] = ()
    save_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    check_held_version: bool = True
    _before: dict[str, list[BeforeHook]] = field(default_factory=dict, repr=False)
    _after: dict[str, list[AfterHook]] = field(default_factory=dict, repr=False)

    # -- declaring --

    def transitions(self) -> dict[str, Transition]:
        """Every declared transition of the model by name."""
        return transitions_of(self.model)

    def before(self, *names: str) -> Callable[[BeforeHook], BeforeHook]:
        """Register ``hook(record, *, actor) -> kwargs`` to run on the locked row before
        transition(s) ``names``; what it returns is passed to the transition method."""
        return self._register(self._before, names)

    def after(self, *names: str) -> Callable[[AfterHook], AfterHook]:
        """Register ``hook(record, *, actor)``: what transition(s) ``names`` also do, run
        after the saved transition in the same transaction."""
        return self._register(self._after, names)

    def _register(self, table: dict, names: Iterable[str]) -> Callable:
        known = self.transitions()

        def register(hook):
            for name in names:
                if name not in known:
                    raise LookupError(f"{self.model.__name__} has no transition {name!r}")
                table.setdefault(name, []).append(hook)
            return hook

        return register

    # -- running --

    def lookup(self, name: str, *, internal: bool = False) -> Transition:
        """The declared transition ``name``, or "Unknown action." (also for an internal
        one unless ``internal``)."""
        transition = self.transitions().get(name)
        if transition is None or (transition.custom.get("internal") and not internal):
            raise TransitionRefused(_("Unknown action."))
        return transition

    def lock(self, record, expected_version: int | None = None):
        """``record``'s row, locked for this transaction, if its version is the expected
        one (see ``check_held_version``); else ``ConcurrentChange``."""
        locked = (
            self.model.objects.select_for_update().select_related(*self.related).get(pk=record.pk)
        )
        if expected_version is None and self.check_held_version:
            expected_version = record.version
        if expected_version is not None and locked.version != expected_version:
            raise self._changed()
        return locked

    def run(
        self,
        record,
        name: str,
        *,
        actor,
        expected_version: int | None = None,
        internal: bool = False,
        **params,
    ) -> Fired:
        """Lookup, lock and compare versions, then ``fire`` — in one transaction."""
        self.lookup(name, internal=internal)
        with transaction.atomic():
            locked = self.lock(record, expected_version)
            return self.fire(locked, name, actor=actor, **params)

    def fire(self, locked, name: str, *, actor, **params) -> Fired:
        """Guard, before hooks, the call, the version bump and save, after hooks — on a row
        the caller has locked already (a service that moves two records in one step)."""
        source = locked.status
        transition = guard(
            locked, name, actor, not_possible=self.not_possible, not_allowed=self.not_allowed
        )
        for hook in self._before.get(name, ()):
            params.update(hook(locked, actor=actor))
        getattr(locked, name)(actor=actor, **params)
        self.bump(locked, fields=self.save_fields.get(name))
        for hook in self._after.get(name, ()):
            hook(locked, actor=actor)
        return Fired(record=locked, transition=transition, source=source)

    def bump(self, locked, *, fields: Iterable[str] | None = None) -> None:
        """Save ``locked`` with its version moved on (every page that showed the old version
        is now stale); a transition that slipped in first is ``ConcurrentChange``."""
        locked.version += 1
        try:
            locked.save(update_fields=list(fields) if fields is not None else None)
        except ConcurrentTransition as exc:
            raise self._changed() from exc

    def available(self, record, user) -> list[Transition]:
        """The transitions ``user`` may take on ``record`` now, internal ones left out: the
        buttons a page offers, so it cannot offer what the machine refuses."""
        return [
            t
            for t in record.get_available_user_status_transitions(user)
            if not t.custom.get("internal")
        ]

    def offers(self, record, user, *, field_name: str = "status") -> list[Offer]:
        """Every step leaving ``record``'s state that ``user`` should see, with the reasons
        it is withheld ("available with reasons"): the ones the user may take (no
        reasons), the user's own steps whose guards fail (each unmet guard in words, as
        ``run`` would refuse them), and other people's steps that say who takes them
        (``custom["who"]``). Internal steps and steps of other roles without ``who`` are
        left out. One entry per name, in declaration order."""
        state = getattr(record, field_name)
        seen, found = set(), []
        for transition in transitions_of(self.model, field_name).values():
            if transition.name in seen or transition.custom.get("internal"):
                continue
            sources = self._sources(transition.name, field_name)
            if state not in sources and "*" not in sources and "+" not in sources:
                continue
            seen.add(transition.name)
            specific = getattr(record, transition.name)._django_fsm.get_transition(state)
            transition = specific or transition
            if not transition.has_perm(record, user):
                if transition.custom.get("who"):
                    found.append(Offer(transition, (str(transition.custom["who"]),)))
                continue
            unmet = tuple(
                r
                for condition in transition.conditions
                if not condition(record)
                for r in reasons(condition, record)
            )
            found.append(Offer(transition, unmet))
        return found

    def _sources(self, name: str, field_name: str) -> set[str]:
        state_field = self.model._meta.get_field(field_name)
        return {t.source for t in state_field.get_all_transitions(self.model) if t.name == name}

    def _changed(self) -> ConcurrentChange:
        return ConcurrentChange(self.changed) if self.changed else ConcurrentChange()
