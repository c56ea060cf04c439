"""Monitoring: who published their annual report on time, and which reports are wrong, changed,
gone or copied.

One evaluation reads the archive as it stood at the end of one day (storage.monitor_reads) and
judges it with pure functions over those plain values, each module owning one rule set:

- `words`: the closed sets, `MonitorStatus` and `FindingKind`;
- `statuses`: one agency's status for a year (on_time, late, missing, unreachable, not_due,
  undated), with its evidence; nothing the crawler failed to see is ever blamed on the agency;
- `findings`: invalid, changed, removed, restored, carryover_mismatch;
- `copies`: copied narratives (MinHash LSH candidates, exact Jaccard scores, signatures kept);
- `report`: the answer (`MonitorReport`) and its compliance summary;
- `events`: what is new since the recorded events (storage.monitor_events);
- `judging`: one agency judged (`Judged`), a batch read and judged, the report assembled;
- `evaluation`: `evaluate` (read + judge), `new_events`, `record_events`;
- `incremental`: what the last evaluation of a year saw and said, kept (storage.monitor_state),
  so the next one judges again only the agencies whose archive, registry entry or deadline changed;
- `kept`: a judgment as kept (MessagePack through msgspec);
- `judge_pool`: many batches of agencies judged in worker processes too (a cold national run).

Everything it says carries its evidence (URLs, capture times, digests) so a journalist can cite it.
"""

from .evaluation import DEFAULT_COPY_THRESHOLD, evaluate, judge, new_events, record_events, region_matches
from .events import NewEvents
from .findings import Finding
from .report import ComplianceRow, MonitorReport
from .statuses import FIRST_JUDGED_YEAR, AgencyStatus, judged_year
from .words import FindingKind, MonitorStatus

__all__ = ["DEFAULT_COPY_THRESHOLD", "FIRST_JUDGED_YEAR", "AgencyStatus", "ComplianceRow", "Finding", "FindingKind", "MonitorReport",
           "MonitorStatus", "NewEvents", "evaluate", "judge", "judged_year", "new_events", "record_events",
           "region_matches"]
