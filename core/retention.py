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
