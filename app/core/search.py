"""Substring search ("contains") on free text, answered from an index on both databases.

PostgreSQL: a trigram index (pg_trgm, GIN) on each searched column serves `ILIKE '%…%'` itself.
SQLite: an external-content FTS5 table with the trigram tokenizer per searched table (kept by
triggers, see the migration) yields the candidate rows, and the same LIKE the scan would use
checks them; so the rows are exactly those of the scan. (The trigram table folds case beyond
ASCII, so its candidates include every row the LIKE accepts.)

A trigram index needs three characters: a shorter text is looked for by the scan, which the
list's order index cuts short once a page is full. Whatever the user types is searched for
literally: % and _ are not wildcards."""
import sqlalchemy as sa

# The fewest characters a trigram index can look up.
MIN_INDEXED_LENGTH = 3
_ESCAPE = "/"

# The FTS5 tables of the SQLite schema: table → (the table it indexes, its columns). They and
# their shadow tables are not models; the migration head comparison leaves them out.
FULL_TEXT_TABLES = {
    "complaint_fts": ("complaint", ("description",)),
    "complainant_fts": ("complainant", ("name", "phone", "room")),
}


def is_search_index(name: str) -> bool:
    """Whether a table of the database is a full-text index or one of its shadow tables."""
    return any(name == table or name.startswith(table + "_") for table in FULL_TEXT_TABLES)


def compared_in_migrations(dialect: str):
    """Alembic's include_object for comparing the models with a database of `dialect`: the
    full-text tables are not models, and an index made for another database only (ddl_if, the
    trigram indexes) is not expected."""
    def include(obj, name, type_, reflected, compare_to):
        if type_ == "table" and is_search_index(name):
            return False
        only_for = getattr(obj, "_ddl_if", None)
        return only_for is None or only_for.dialect in (None, dialect)

    return include


def like_pattern(text: str) -> str:
    """The LIKE pattern of "contains `text`", its own % and _ taken literally."""
    escaped = text.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")
    return f"%{escaped}%"


def scan_clause(columns, text: str):
    """Any of `columns` contains `text`, ignoring case: the plain scan (also the check of the
    index's candidates on SQLite)."""
    pattern = like_pattern(text)
    return sa.or_(*(column.ilike(pattern, escape=_ESCAPE) for column in columns))


def contains(dialect: str, table, columns, text: str):
    """SQL condition on `table`'s rows: one of `columns` contains `text` (case ignored), in a
    form the search index of `dialect` answers."""
    text = text.strip()
    if dialect != "sqlite" or len(text) < MIN_INDEXED_LENGTH:
        return scan_clause(columns, text)
    fts = next(name for name, (indexed, _columns) in FULL_TEXT_TABLES.items() if indexed == table.name)
    phrase = '"' + text.replace('"', '""') + '"'  # one FTS5 phrase: the text's trigrams in a row
    candidates = sa.select(sa.literal_column("rowid")).select_from(sa.table(fts)).where(
        sa.literal_column(fts).op("MATCH")(phrase))
    return sa.and_(table.c.id.in_(candidates), scan_clause(columns, text))


def dialect_of(query) -> str:
    """The database dialect a query (ORM or session-bound) will run on."""
    return query.session.get_bind().dialect.name
