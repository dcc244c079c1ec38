"""How long the security record is kept: the operator's setting, never below the law."""

from __future__ import annotations

import datetime as dt

# 网络安全法 (Cybersecurity Law of the PRC, 2016) Art. 21(3): network operators shall take
# technical measures to monitor and record network operation and security events, and
# keep the relevant network logs for no less than six months. Six consecutive calendar
# months are at most 184 days (July to December), so 184 days always covers "six months"
# whatever month the record starts in.
LEGAL_MINIMUM_DAYS = 184


def security_record_cutoff(*, now: dt.datetime, retention_days: int) -> dt.datetime:
    """The instant before which security events may be pruned.

    网络安全法 Art. 21(3) requires network logs to be kept for no less than six months;
    a retention shorter than ``LEGAL_MINIMUM_DAYS`` (184 days, the longest six calendar
    months) is refused rather than shortened silently.
    """
    if retention_days < LEGAL_MINIMUM_DAYS:
        raise ValueError(
            f"the security record must be kept at least {LEGAL_MINIMUM_DAYS} days "
            f"(网络安全法 Art. 21: six months), not {retention_days}"
        )
    return now - dt.timedelta(days=retention_days)


# 个人信息保护法 (PIPL, 2021) Art. 19: personal information is kept for the shortest time
# necessary for the purpose of processing, unless laws or administrative regulations say
# otherwise. Art. 47(1)(1)/(2): once the purpose is achieved or the retention period has
# expired, the handler deletes it on its own initiative; where deletion is technically
# difficult, or another law's retention has not expired, it stops all processing other
# than storage and necessary security measures. Art. 73(4): de-identified information
# cannot identify a person without additional information — what a case keeps after its
# personal fields are cleared (its category, place, dates and outcome for the statistics).
PERSONAL_DATA_KINDS = ("contact", "identity")


def personal_data_cutoff(*, now: dt.datetime, retention_days: int) -> dt.datetime:
    """The instant before which a case's closure puts one kind of its personal data past
    retention (PIPL Art. 19, 47): a case closed at or before the cut-off is due.

    Retention counts from closure, not registration: while a case is open its parties'
    details are what the purpose needs. A retention below one day is refused (it would
    clear a case the moment it closes, before its return visit or a reopening).
    """
    if retention_days < 1:
        raise ValueError(
            f"a personal-data retention must be at least one day, not {retention_days}"
        )
    return now - dt.timedelta(days=retention_days)
