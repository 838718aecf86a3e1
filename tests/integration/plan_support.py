"""Reading Postgres plans in tests: EXPLAIN of a statement exactly as the code builds it, for the
values of a call and as the generic plan a prepared statement may keep, and the questions the
plan tests ask of a plan (which indexes a table is read through, any sort, any sequential scan).
The plan tests of issue 18 share it: the evidence is the plan, never a timing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.expression import Executable
from sqlalchemy.sql.selectable import TextualSelect

INDEX_READS = {"Index Scan", "Index Only Scan", "Bitmap Index Scan", "Bitmap Heap Scan"}


class Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON)`` of a statement, its parameters bound as the code binds them."""

    inherit_cache = False

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement


@compiles(Explain)
def _compile_explain(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def top(raw: Any) -> dict[str, Any]:
    """The top node of an ``EXPLAIN (FORMAT JSON)`` result, as text or as parsed JSON."""
    document = json.loads(raw) if isinstance(raw, str) else raw
    return dict(document[0]["Plan"])


async def custom_plan(session: AsyncSession, statement: ClauseElement) -> dict[str, Any]:
    """The plan for this call's values (what Postgres makes for a statement's first runs)."""
    if isinstance(statement, TextualSelect):
        # Its declared columns would be matched against EXPLAIN's one (a warning), so it goes
        # to the driver as it is, like a write.
        return await plan_of_write(session, statement)
    return top(await session.scalar(Explain(statement)))


def _compiled(session: AsyncSession, statement: ClauseElement) -> SQLCompiler:
    compiled = statement.compile(
        dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
    )
    assert isinstance(compiled, SQLCompiler)
    return compiled


async def _driver(session: AsyncSession) -> Any:
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    return driver


async def plan_of_write(session: AsyncSession, statement: ClauseElement) -> dict[str, Any]:
    """The plan for this call's values of an UPDATE or DELETE, which does not nest in
    :class:`Explain`; EXPLAIN without ANALYZE runs nothing."""
    compiled = _compiled(session, statement)
    values = [compiled.params[name] for name in compiled.positiontup or ()]
    driver = await _driver(session)
    return top(await driver.fetchval(f"EXPLAIN (FORMAT JSON) {compiled}", *values))


async def generic_plan(
    session: AsyncSession, statement: ClauseElement, name: str
) -> dict[str, Any]:
    """The plan Postgres may keep for a prepared statement after five runs: made without the
    values, so whatever a bound parameter holds, it cannot prove an index's predicate from it."""
    compiled = _compiled(session, statement)
    driver = await _driver(session)
    await driver.execute(f"PREPARE {name} AS {compiled}")
    await driver.execute("SET plan_cache_mode = force_generic_plan")
    try:
        # A generic plan does not look at the values, so NULLs will do.
        nulls = ", ".join(["NULL"] * len(compiled.positiontup or ()))
        raw = await driver.fetchval(f"EXPLAIN (FORMAT JSON) EXECUTE {name}({nulls})")
    finally:
        await driver.execute("RESET plan_cache_mode")
        await driver.execute(f"DEALLOCATE {name}")
    return top(raw)


def reads(plan: dict[str, Any], table: str) -> list[tuple[str, str | None]]:
    """How ``table`` is read: (node type, index name) for each node on it. A ModifyTable node
    is the statement's own write, not a read."""
    return [
        (node["Node Type"], node.get("Index Name"))
        for node in nodes(plan)
        if node.get("Relation Name") == table and node["Node Type"] != "ModifyTable"
    ]


def sorts(plan: dict[str, Any]) -> list[str]:
    return [node["Node Type"] for node in nodes(plan) if "Sort" in node["Node Type"]]


def seq_scans(plan: dict[str, Any], tables: set[str]) -> list[str]:
    """The tables among ``tables`` that the plan reads whole."""
    return [
        node["Relation Name"]
        for node in nodes(plan)
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in tables
    ]


def outline(plan: dict[str, Any], depth: int = 0) -> str:
    """The plan as indented lines, for an assertion's message."""
    line = "  " * depth + f"{plan['Node Type']} {plan.get('Relation Name') or ''}"
    line += f" {plan.get('Index Name') or ''} rows={plan.get('Plan Rows')}\n"
    return line + "".join(outline(child, depth + 1) for child in plan.get("Plans", []))
