"""A Report as the screens, the print view and the exports show it: labelled figure rows with
their targets, breakdown tables and chart series, each cell with the complaint-list filters of
the cases behind it. Formatting only; the figures come from rules.py."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.complaints.enums import Channel, Grade
from app.deadlines.enums import DeadlineKind

from .rules import Figures, Period, Rate, Report, case_filters, meets

DASH = "—"
LEVEL_LABELS = {
    "talk": _l("Talk (谈心教育)"),
    "criticism": _l("Public criticism and written self-review"),
    "fails_assessment": _l("Fails the annual assessment"),
    "suspended": _l("Suspended (待岗)"),
}


def percent(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.1f} %"


def hours(seconds: float | None) -> str:
    return DASH if seconds is None else _("%(n).1f h", n=seconds / 3600)


def count(n: int | None) -> str:
    return DASH if n is None else str(n)


@dataclass
class Part:
    """A piece of a cell's text; a count with the complaint list's filters of its cases is a
    link to them."""

    text: str
    filters: list | None = None


@dataclass
class Cell:
    """A table cell: its text in parts (several counts can share a cell, each with its own
    link) and whether it meets its target."""

    parts: list
    met: bool | None = None

    @property
    def text(self) -> str:
        return "".join(part.text for part in self.parts)

    @property
    def filters(self) -> list | None:
        """The filters of a cell that is one count (None otherwise)."""
        return self.parts[0].filters if len(self.parts) == 1 else None


def plain(text: str, met: bool | None = None) -> Cell:
    return Cell([Part(text)], met)


def counted_cell(n: int, filters: list | None, met: bool | None = None) -> Cell:
    return Cell([Part(str(n), filters)], met)


@dataclass
class Row:
    key: str
    label: str
    cells: list
    target: str = ""
    note: str = ""


@dataclass
class Table:
    title: str
    columns: list
    rows: list = field(default_factory=list)


def columns(report: Report) -> list[tuple[int | None, str]]:
    """The report's columns: each office in scope, then the company when there are several."""
    cols = [(f.office_id, f.name) for f in report.offices]
    if len(cols) != 1:
        cols.append((None, str(_("All offices"))))
    return cols


def _figures(report: Report, office_id) -> Figures:
    return report.total if office_id is None else next(f for f in report.offices if f.office_id == office_id)


def figure_rows(report: Report) -> list[Row]:
    """The figures table: one row per figure, one cell per column, with target and link."""
    period, cols = report.period, columns(report)
    per = [_figures(report, oid) for oid, _name in cols]

    def counted(key, label, attr, figure, target=""):
        return Row(key, str(label), [
            counted_cell(getattr(f, attr), case_filters(period, f.office_id, figure=figure),
                         meets(key, getattr(f, attr)) if target else None)
            for f in per], target=target)

    def rate(key, label, get, target, note=""):
        cells = []
        for f in per:
            value = get(f)
            share = value.value if isinstance(value, Rate) else None
            cells.append(plain(percent(share), meets(key, share)))
        return Row(key, str(label), cells, target=target, note=note)

    def on_time(kind):
        """The rate with its counts: met in time / decided, each opening its cases."""
        cells = []
        for f in per:
            rate_ = f.on_time.get(kind)
            if rate_ is None or rate_.value is None:
                cells.append(plain(DASH))
                continue
            cells.append(Cell([
                Part(percent(rate_.value) + " ("),
                Part(str(rate_.numerator), case_filters(period, f.office_id, met_in_time=kind)), Part("/"),
                Part(str(rate_.denominator), case_filters(period, f.office_id, decided=kind)), Part(")")],
                meets("on_time_rate", rate_.value)))
        return Row("on_time_rate", _("On-time rate: %(kind)s", kind=kind.label), cells, target="100 %",
                   note=str(_l("In brackets: deadlines met in time / deadlines met or due.")) if kind is first_kind
                   else "")

    first_kind = next(iter(DeadlineKind))
    rows = [
        counted("received", _l("Complaints received"), "received", "received"),
        counted("resolved", _l("Cases resolved"), "resolved", "resolved"),
        counted("open", _l("Still open"), "open", "open"),
        counted("overdue", _l("Overdue now"), "overdue", "overdue", target="0"),
        Row("resolve_avg", str(_l("Average time to resolve")), [plain(hours(f.resolve_avg_seconds)) for f in per]),
        Row("resolve_p90", str(_l("Time to resolve, 90th percentile")),
            [plain(hours(f.resolve_p90_seconds)) for f in per]),
    ]
    rows += [on_time(kind) for kind in DeadlineKind]
    rows += [
        rate("return_visit_rate", _l("Return-visit rate"), lambda f: f.return_visit_rate, "100 %",
             note=str(_l("Counted from the return visit recorded on each resolved case."))),
        rate("satisfaction_rate", _l("Satisfaction rate"), lambda f: f.satisfaction_rate, "≥ 95 %",
             note=str(_l("Shown once return-visit data is online."))),
        counted("valid", _l("Valid complaints"), "valid", "valid"),
        rate("valid_rate", _l("Valid complaint rate (of households)"), lambda f: f.valid_rate, "< 1 %"),
        counted("repeats", _l("Repeat complaints (same room and category within 90 days)"), "repeats", "repeats"),
        counted("returns", _l("Complainant came back on the same case (appeal or not satisfied)"), "returns",
                "returns"),
    ]
    return rows


def breakdown_tables(report: Report) -> list[Table]:
    """Counts by category (as a Pareto table), channel, grade and office, one column per office."""
    period, cols = report.period, columns(report)
    per = [(oid, _figures(report, oid)) for oid, _name in cols]
    names = [name for _oid, name in cols]

    def table(title, keys, get, filters_for):
        t = Table(str(title), names)
        for key, label in keys:
            cells = [counted_cell(get(f).get(key, 0), case_filters(period, oid, **filters_for(key)))
                     for oid, f in per]
            t.rows.append(Row(str(key), str(label), cells))
        return t

    pareto = report.pareto()
    category_keys = [(cid, name) for cid, name, _n, _share in pareto]
    category_table = table(_l("By category"), category_keys, lambda f: f.by_category, lambda k: {"category": k})
    for row, (_cid, _name, _n, share) in zip(category_table.rows, pareto):
        row.note = percent(share)
    grade_keys = [(g, g.label) for g in Grade] + [(None, _l("Not graded"))]
    return [
        category_table,
        table(_l("By channel"), [(c, c.label) for c in Channel], lambda f: f.by_channel, lambda k: {"channel": k}),
        table(_l("By grade"), grade_keys, lambda f: f.by_grade, lambda k: {"grade": k if k is not None else "none"}),
    ]


def office_table(report: Report) -> Table:
    """Received per office (each count opening its cases) beside the office's households."""
    t = Table(str(_l("By office")), [str(_l("Complaints received")), str(_l("Households"))])
    received = next(row for row in figure_rows(report) if row.key == "received")
    for f, cell in zip(report.offices, received.cells):
        t.rows.append(Row(str(f.office_id), f.name, [cell, plain(str(f.households or DASH))]))
    return t


def on_time_table(report: Report) -> Table:
    """The on-time rate of each deadline, per office column (the figures' own rows)."""
    return Table(str(_l("On-time rate by deadline")), [name for _oid, name in columns(report)],
                 [row for row in figure_rows(report) if row.key == "on_time_rate"])


def trend_table(report: Report) -> Table:
    """Received, resolved and valid per month for 12 months, per office column."""
    cols = columns(report)
    t = Table(str(_l("Trend by month")), [name for _oid, name in cols])
    for month, cells in report.trend:
        period = Period.month(month.year, month.month)
        row = Row(month.strftime("%Y-%m"), month.strftime("%Y-%m"), [])
        for oid, _name in cols:
            received, resolved, valid = cells[oid]
            row.cells.append(Cell([
                Part(str(received), case_filters(period, oid)), Part(" / "),
                Part(str(resolved), case_filters(period, oid, figure="resolved")), Part(" / "),
                Part(str(valid), case_filters(period, oid, figure="valid"))]))
        t.rows.append(row)
    return t


def charts(report: Report, link) -> list[dict]:
    """The chart series, each bar with the URL of its cases (`link(filters)` makes the URL).
    The same numbers are in the tables beside each chart."""
    period, total = report.period, report.total
    office_id = report.offices[0].office_id if len(report.offices) == 1 else None
    pareto = report.pareto()
    trend_months = [Period.month(m.year, m.month) for m, _cells in report.trend]
    return [
        {"id": "chart-pareto", "kind": "pareto", "title": str(_l("Pareto chart of categories")),
         "labels": [name for _cid, name, _n, _s in pareto],
         "series": [{"name": str(_l("Complaints")), "data": [n for _cid, _name, n, _s in pareto]},
                    {"name": str(_l("Cumulative share")), "data": [round(s * 100, 1) for *_x, s in pareto]}],
         "links": [link(case_filters(period, office_id, category=cid)) for cid, *_x in pareto]},
        {"id": "chart-channel", "kind": "bar", "title": str(_l("By channel")),
         "labels": [str(c.label) for c in Channel],
         "series": [{"name": str(_l("Complaints")), "data": [total.by_channel.get(c, 0) for c in Channel]}],
         "links": [link(case_filters(period, office_id, channel=c)) for c in Channel]},
        {"id": "chart-grade", "kind": "bar", "title": str(_l("By grade")),
         "labels": [str(g.label) for g in Grade],
         "series": [{"name": str(_l("Complaints")), "data": [total.by_grade.get(g, 0) for g in Grade]}],
         "links": [link(case_filters(period, office_id, grade=g)) for g in Grade]},
        {"id": "chart-office", "kind": "bar", "title": str(_l("By office")),
         "labels": [f.name for f in report.offices],
         "series": [{"name": str(_l("Complaints")), "data": [f.received for f in report.offices]}],
         "links": [link(case_filters(period, f.office_id)) for f in report.offices]},
        {"id": "chart-trend", "kind": "trend", "title": str(_l("Trend by month")),
         "labels": [m.strftime("%Y-%m") for m, _cells in report.trend],
         "series": [{"name": str(name), "data": [cells[None][i] for _m, cells in report.trend]}
                    for i, name in enumerate((_l("Complaints received"), _l("Cases resolved"), _l("Valid complaints")))],
         "links": [link(case_filters(p, office_id)) for p in trend_months]},
        {"id": "chart-on-time", "kind": "percent", "title": str(_l("On-time rate by deadline")),
         "labels": [str(k.label) for k in DeadlineKind],
         "series": [{"name": str(_l("On-time rate")), "data": [
             None if total.on_time.get(k) is None or total.on_time[k].value is None
             else round(total.on_time[k].value * 100, 1) for k in DeadlineKind]}],
         "links": [link(case_filters(period, office_id, decided=k)) for k in DeadlineKind]},
    ]


def export_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    """The monthly report as one table for CSV/Excel: section, item, target, one column per
    office (values as on screen)."""
    names = [name for _oid, name in columns(report)]
    headers = [str(_l("Section")), str(_l("Item")), str(_l("Target"))] + names
    rows = [[str(_l("Figures")), r.label, r.target] + [c.text for c in r.cells] for r in figure_rows(report)]
    for table in breakdown_tables(report) + [trend_table(report)]:
        rows += [[table.title, r.label, ""] + [c.text for c in r.cells] for r in table.rows]
    return headers, rows
