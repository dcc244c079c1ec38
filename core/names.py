"""The person-name rule: one way to write a user's name, everywhere (pages, PDFs, mail,
the event log).

Chinese names are written family name first with no space (张晓燕); Latin names as
"Given Family" (Hongmei Chen). The user model keeps ``first_name`` (given) and
``last_name`` (family); a name with any CJK character is taken as Chinese. A user with no
name is shown by their account name. Templates use the ``person`` filter
(``{% load linli %}``), code ``person_name``.
"""

from __future__ import annotations

import unicodedata


def _is_cjk(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith("CJK") for ch in text)


def person_name(user) -> str:
    """``user``'s name as people say it: 张晓燕 (family name first) or "Hongmei Chen"; an
    em dash for nobody."""
    if user is None:
        return "—"
    given, family = (user.first_name or "").strip(), (user.last_name or "").strip()
    if not (given or family):
        return user.get_username()
    if _is_cjk(given + family):
        return f"{family}{given}"
    return f"{given} {family}".strip()
