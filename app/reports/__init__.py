"""Reports for managers: the statistics dashboard and the printable monthly report (统计分析),
staff accountability, and CSV/Excel exports of every complaint list and report, each recorded.
All figures are SQL aggregation over indexed columns (domain.md: Statistics)."""
