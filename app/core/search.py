"""Substring search ("contains") on free text, answered from an index on both databases.

Three characters or more, a trigram index: on PostgreSQL pg_trgm's GIN index serves
`ILIKE '%…%'` itself; on SQLite an external-content FTS5 table with the trigram tokenizer per
searched table (kept by triggers, see the migrations) yields the candidate rows.

One or two characters (漏水, 电梯, a surname), which no trigram can look up, an index of each
text's characters and pairs of characters ("grams"): on PostgreSQL a GIN index over the
`app_grams(text)` array, on SQLite a contentless FTS5 table of the same grams, written as
hexadecimal words so that any tokenizer reads each gram as one word (SQLite computes them with
`app_grams`, registered on every connection by `register_functions`).

Either way the same LIKE the scan would use then checks the candidates, so the rows are exactly
those of the scan. (Each index folds case at least as far as the LIKE does, so its candidates
include every row the LIKE accepts.) Whatever the user types is searched for literally: % and _
are not wildcards."""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# The fewest characters a trigram index can look up; shorter texts use the grams' index.
MIN_INDEXED_LENGTH = 3
# The longest gram indexed (characters): pairs, with single characters.
LONGEST_GRAM = 2
_ESCAPE = "/"
# SQLite's lower() and LIKE fold ASCII letters only: so do its grams.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

# The SQLite schema's FTS5 tables: table → (the table it indexes, its columns). They and their
# shadow tables are not models; the migration head comparison leaves them out.
FULL_TEXT_TABLES = {
    "complaint_fts": ("complaint", ("description",)),
    "complainant_fts": ("complainant", ("name", "phone", "room")),
}
GRAM_TABLES = {
    "complaint_grams": ("complaint", ("description",)),
    "complainant_grams": ("complainant", ("name", "phone", "room")),
}


def is_search_index(name: str) -> bool:
    """Whether a table of the database is a full-text index or one of its shadow tables."""
    return any(name == table or name.startswith(table + "_") for table in {**FULL_TEXT_TABLES, **GRAM_TABLES})


def compared_in_migrations(dialect: str):
    """Alembic's include_object for comparing the models with a database of `dialect`: the
    full-text tables are not models, and an index made for another database
    only (ddl_if, the trigram indexes) is not expected."""
    def include(obj, name, type_, reflected, compare_to):
        if type_ == "table" and is_search_index(name):
            return False
        only_for = getattr(obj, "_ddl_if", None)
        return only_for is None or only_for.dialect in (None, dialect)

    return include


# ---- the grams of a text, as SQLite's index holds them --------------------------------------

def sqlite_grams(text: str | None) -> str | None:
    """The distinct characters and pairs of characters of `text` (ASCII letters folded), each
    as the hexadecimal of its UTF-8 bytes, separated by spaces: SQLite's `app_grams`. The
    triggers delete a row's grams by computing them again, so this must not change without
    rebuilding the gram tables."""
    if text is None:
        return None
    folded = text.translate(_ASCII_LOWER)
    grams = {folded[i:i + n] for n in range(1, LONGEST_GRAM + 1) for i in range(len(folded) - n + 1)}
    return " ".join(sorted(_word(gram) for gram in grams))


def _word(gram: str) -> str:
    return gram.encode().hex()


def register_functions(engine: sa.Engine) -> None:
    """Give every SQLite connection `app_grams`, which the gram tables' triggers call."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _grams(dbapi_connection, _record):
        dbapi_connection.create_function("app_grams", 1, sqlite_grams, deterministic=True)


def rebuild_sqlite_tables(connection) -> None:
    """Fill every SQLite search table again from the rows it indexes (after a bulk load)."""
    for fts in FULL_TEXT_TABLES:
        connection.execute(sa.text(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')"))
    for grams, (table, columns) in GRAM_TABLES.items():
        connection.execute(sa.text(f"INSERT INTO {grams}({grams}) VALUES ('delete-all')"))
        connection.execute(sa.text(
            f"INSERT INTO {grams}(rowid, {', '.join(columns)}) "
            f"SELECT id, {', '.join(f'app_grams({c})' for c in columns)} FROM {table}"))


# ---- the condition ------------------------------------------------------------------------

def like_pattern(text: str) -> str:
    """The LIKE pattern of "contains `text`", its own % and _ taken literally."""
    escaped = text.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")
    return f"%{escaped}%"


def scan_clause(columns, text: str):
    """Any of `columns` contains `text`, ignoring case: the plain scan (also the check of the
    index's candidates)."""
    pattern = like_pattern(text)
    return sa.or_(*(column.ilike(pattern, escape=_ESCAPE) for column in columns))


def contains(dialect: str, table, columns, text: str):
    """SQL condition on `table`'s rows: one of `columns` contains `text` (case ignored), in a
    form the search indexes of `dialect` answer."""
    text = text.strip()
    if not text:
        return scan_clause(columns, text)
    if len(text) >= MIN_INDEXED_LENGTH:
        if dialect != "sqlite":
            return scan_clause(columns, text)  # pg_trgm's index serves ILIKE
        phrase = '"' + text.replace('"', '""') + '"'  # one FTS5 phrase: the text's trigrams in a row
        return sa.and_(table.c.id.in_(_matching(FULL_TEXT_TABLES, table, columns, phrase)), scan_clause(columns, text))
    if dialect == "sqlite":
        word = '"' + _word(text.translate(_ASCII_LOWER)) + '"'
        return sa.and_(table.c.id.in_(_matching(GRAM_TABLES, table, columns, word)), scan_clause(columns, text))
    # The whole (short) text is one gram of every text that contains it. lower() as ILIKE folds.
    gram = sa.cast(postgresql.array([sa.func.lower(text)]), postgresql.ARRAY(sa.Text))
    indexed = sa.or_(*(sa.func.app_grams(column).op("@>")(gram) for column in columns))
    # The check in ILIKE's own terms (on PostgreSQL, ILIKE compares the lower-cased texts),
    # written so that the trigram index, which would read all of itself for two characters,
    # is not offered to serve it.
    pattern = like_pattern(text)
    checked = sa.or_(*(sa.func.lower(column).like(sa.func.lower(pattern), escape=_ESCAPE) for column in columns))
    return sa.and_(indexed, checked)


def _matching(tables: dict, table, columns, query: str):
    """The rowids an FTS5 table of `tables` (the one over `table`) matches for `query`, looked
    for in `columns` only."""
    fts, (_indexed, indexed_columns) = next(item for item in tables.items() if item[1][0] == table.name)
    names = [column.name for column in columns]
    if set(names) != set(indexed_columns):
        query = "{" + " ".join(names) + "} : " + query
    return sa.select(sa.literal_column("rowid")).select_from(sa.table(fts)).where(
        sa.literal_column(fts).op("MATCH")(query))


def dialect_of(query) -> str:
    """The database dialect a query (ORM or session-bound) will run on."""
    return query.session.get_bind().dialect.name
