"""The caller as the 12345 hotline shows them to a handling unit: surname and a title or
stars, the phone's first three and last four digits. A local helper on purpose: phone
normalisation belongs to one function elsewhere (#26a); this only hides digits."""

from __future__ import annotations

import re

TITLES = ("先生", "女士", "老师", "阿姨", "师傅")


def mask_caller_name(name: str) -> str:
    """王秀英 → 王**; 王女士 (already as the hotline shows it) stays; 欧阳娜娜 → 欧阳**
    for the common two-character surnames."""
    name = (name or "").strip()
    if not name or "*" in name or name.endswith(TITLES):
        return name[:100]
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]
    return f"{surname}**"


def mask_caller_phone(phone: str) -> str:
    """13912345678 → 139****5678; already masked (has *) stays; short numbers keep only
    their last two digits."""
    phone = (phone or "").strip()
    if not phone or "*" in phone:
        return phone[:30]
    digits = re.sub(r"\D", "", phone)
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
    }
)
