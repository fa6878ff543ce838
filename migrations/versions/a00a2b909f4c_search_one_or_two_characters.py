"""substring search of one or two characters (漏水, 电梯, a surname) from an index

A trigram index cannot look up a text shorter than three characters. Index each text's
characters and pairs of characters ("grams") as well:

PostgreSQL: app_grams(text), the distinct one- and two-character substrings of lower(text), and
a GIN index over it on the description and on the complainant's name, phone and room.
SQLite: contentless FTS5 tables (complaint_grams, complainant_grams) holding the same grams as
hexadecimal words, computed by the app_grams function the app registers on every connection
(app/core/search.py) and kept by triggers. The triggers call app_grams: a program writing to
these tables without the app must register it too.

Revision ID: a00a2b909f4c
Revises: a41c7e9d5b20
Create Date: 2026-11-24 12:00:00.000000

"""
from alembic import op


revision = 'a00a2b909f4c'
down_revision = 'a41c7e9d5b20'
branch_labels = None
depends_on = None

# SQLite gram tables: name → (indexed table, columns).
GRAMS = {
    "complaint_grams": ("complaint", ["description"]),
    "complainant_grams": ("complainant", ["name", "phone", "room"]),
}

PG_FUNCTION = """
CREATE FUNCTION app_grams(text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(folded, i, n)), '{}')
    FROM (SELECT lower($1) AS folded) AS t, generate_series(1, length(folded)) AS i, (VALUES (1), (2)) AS g(n)
    WHERE i + n - 1 <= length(folded)
$$
"""


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        for grams, (table, columns) in GRAMS.items():
            listed = ", ".join(columns)
            new = ", ".join(f"app_grams(new.{c})" for c in columns)
            old = ", ".join(f"app_grams(old.{c})" for c in columns)
            op.execute(f"CREATE VIRTUAL TABLE {grams} USING fts5({listed}, content='', detail=column)")
            op.execute(f"CREATE TRIGGER {grams}_insert AFTER INSERT ON {table} BEGIN "
                       f"INSERT INTO {grams}(rowid, {listed}) VALUES (new.id, {new}); END")
            op.execute(f"CREATE TRIGGER {grams}_delete AFTER DELETE ON {table} BEGIN "
                       f"INSERT INTO {grams}({grams}, rowid, {listed}) VALUES ('delete', old.id, {old}); END")
            op.execute(f"CREATE TRIGGER {grams}_update AFTER UPDATE OF {listed} ON {table} BEGIN "
                       f"INSERT INTO {grams}({grams}, rowid, {listed}) VALUES ('delete', old.id, {old}); "
                       f"INSERT INTO {grams}(rowid, {listed}) VALUES (new.id, {new}); END")
            op.execute(f"INSERT INTO {grams}(rowid, {listed}) "
                       f"SELECT id, {', '.join(f'app_grams({c})' for c in columns)} FROM {table}")
        op.execute("ANALYZE")
    else:
        op.execute(PG_FUNCTION)
        op.execute("CREATE INDEX ix_complaint_description_grams ON complaint USING gin (app_grams(description))")
        op.execute("CREATE INDEX ix_complainant_search_grams ON complainant "
                   "USING gin (app_grams(name), app_grams(phone), app_grams(room))")
        op.execute("ANALYZE complaint")
        op.execute("ANALYZE complainant")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for grams in GRAMS:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER {grams}_{event}")
            op.execute(f"DROP TABLE {grams}")
    else:
        op.drop_index("ix_complainant_search_grams", table_name="complainant")
        op.drop_index("ix_complaint_description_grams", table_name="complaint")
        op.execute("DROP FUNCTION app_grams(text)")
