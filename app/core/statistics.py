"""The query planner's statistics. PostgreSQL keeps its own (autovacuum analyses changed
tables); SQLite keeps them only when asked: the migrations analyse once, and the scheduler
calls refresh_statistics periodically (STATISTICS_INTERVAL_HOURS), so that the planner keeps
choosing the index that matches each screen's filter as the tables grow."""
import sqlalchemy as sa
from sqlalchemy.orm import Session

# Rows ANALYZE reads per index: enough for the planner's averages, and quick at any size.
SAMPLE_ROWS = 2000


def refresh_statistics(session: Session) -> bool:
    """Refresh SQLite's statistics (sqlite_stat1); True when something ran."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    session.execute(sa.text(f"PRAGMA analysis_limit = {SAMPLE_ROWS}"))
    session.execute(sa.text("ANALYZE"))
    session.commit()
    return True
