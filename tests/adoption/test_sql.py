"""Snapshot of the generated SQL: a change to the query shows up here as a readable diff.

Regenerate after a deliberate change with::

    .venv/bin/python -c "from tests.adoption.test_sql import show; show()"
"""

from __future__ import annotations

from veikart.adoption.engine import REGISTRY, build_sql


def emails_sent_by_subtree() -> str:
    return build_sql(
        [REGISTRY["emails_sent_per_person"]],
        grain="week",
        groups=["unit_subtree"],
        present={"email_user_detail"},
    )


def show() -> None:
    print(emails_sent_by_subtree(), end="")


EXPECTED = """\
WITH
"person_ids" AS MATERIALIZED (
    SELECT
        "distinct_people"."person" AS "person",
        CAST(row_number() OVER (ORDER BY "distinct_people"."person") AS INTEGER) AS "person_id"
    FROM (SELECT DISTINCT "person" FROM "people_input") AS "distinct_people"
),
"people" AS (
    SELECT
        "person_ids"."person_id" AS "person_id",
        COALESCE("people_input"."employee_id", "person_ids"."person_id") AS "employee",
        "people_input".*
    FROM "people_input"
    JOIN "person_ids" ON "person_ids"."person" = "people_input"."person"
),
"week_email_user_detail" AS (
    SELECT
        "person_ids"."person_id" AS "person_id",
        CAST(date_trunc('week', "snapshots"."report_refresh_date") AS DATE) AS "week_start",
        "snapshots"."send_count" AS "send_count"
    FROM read_parquet(
        $files_email_user_detail,
        union_by_name = true,
        hive_partitioning = true
    ) AS "snapshots"
    JOIN "person_ids" ON "person_ids"."person" = "snapshots"."person"
),
"coverage" AS MATERIALIZED (
    SELECT
        "weeks"."week_start" AS "period",
        bool_and(
            list_contains(CAST($weeks_email_user_detail AS DATE[]), "weeks"."week_start")
        ) AS "email_user_detail",
        bool_and(
            "before"."week_start" IS NOT NULL
            AND list_contains(CAST($weeks_email_user_detail AS DATE[]), "weeks"."week_start" - 7)
        ) AS "email_user_detail__previous"
    FROM (SELECT DISTINCT "week_start" FROM "people") AS "weeks"
    LEFT JOIN (SELECT DISTINCT "week_start" FROM "people") AS "before"
        ON "before"."week_start" = "weeks"."week_start" - 7
    GROUP BY "weeks"."week_start"
),
"person_periods" AS MATERIALIZED (
    SELECT
        "people"."week_start" AS "period",
        any_value("people"."unit_path") AS "unit_path",
        SUM(COALESCE("email_user_detail"."send_count", 0)) AS "numerator_0",
        COUNT(*) AS "denominator_0"
    FROM "people"
    LEFT JOIN "week_email_user_detail" AS "email_user_detail"
        ON "email_user_detail"."person_id" = "people"."person_id"
        AND "email_user_detail"."week_start" = "people"."week_start"
    GROUP BY "people"."employee", "people"."week_start"
),
"aggregates" AS MATERIALIZED (
    SELECT
        "by_path"."period" AS "period",
        "subtree"."unit_subtree" AS "unit_subtree",
        sum("by_path"."n") AS "n",
        sum("by_path"."numerator_0") AS "numerator_0",
        sum("by_path"."denominator_0") AS "denominator_0"
    FROM (
        SELECT
            "person_periods"."period" AS "period",
            "person_periods"."unit_path" AS "unit_path",
            COUNT(*) AS "n",
            sum("person_periods"."numerator_0") AS "numerator_0",
            sum("person_periods"."denominator_0") AS "denominator_0"
        FROM "person_periods"
        GROUP BY "person_periods"."period", "person_periods"."unit_path"
    ) AS "by_path"
    CROSS JOIN unnest(
        CAST(string_split(trim("by_path"."unit_path", '/'), '/') AS BIGINT[])
    ) AS "subtree"("unit_subtree")
    GROUP BY "by_path"."period", "subtree"."unit_subtree"
)
SELECT
    "aggregates"."period" AS "period",
    "aggregates"."unit_subtree" AS "unit_subtree",
    $metric_0 AS "metric",
    CASE
        WHEN "coverage"."email_user_detail"
            AND "aggregates"."n" >= $min_n
        THEN CAST("aggregates"."numerator_0" AS DOUBLE)
            / NULLIF("aggregates"."denominator_0", 0)
    END AS "value",
    "aggregates"."n" AS "n"
FROM "aggregates"
JOIN "coverage" ON "coverage"."period" = "aggregates"."period"
ORDER BY "period", "unit_subtree", "metric"
"""


def test_the_sql_for_e_mails_sent_by_unit_subtree_is_as_reviewed() -> None:
    assert emails_sent_by_subtree() == EXPECTED


def test_the_sql_binds_every_value_and_quotes_every_identifier() -> None:
    sql = emails_sent_by_subtree()

    assert "$files_email_user_detail" in sql
    assert "$weeks_email_user_detail" in sql
    assert "$metric_0" in sql and "emails_sent_per_person" not in sql
    assert "$min_n" in sql
    assert ".parquet" not in sql
