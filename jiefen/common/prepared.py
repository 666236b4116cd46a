"""Querysets compiled once per database connection and run again with other values.

Django builds and compiles a queryset every time it runs it: a lookup by id with the model's
default ordering and a join costs some 1,000–2,500 Python calls, many times what the database
spends answering it. A path that runs the same few lookups with different values on every
request (an API token, a user's roles, the rows a case registration reads) compiles each once:
the queryset is built with markers where the values go, and every run puts the values in the
markers' places among its parameters and turns the rows into what the queryset itself gives —
model instances with their select_related rows and annotations, or values_list tuples.

Only plain values can be prepared (ints, texts, dates compared as they are stored): a marker
that a lookup changes on its way into the SQL (contains, iexact …) is not found among the
parameters and the compilation refuses. The caller passes values the database takes: where the
ORM would answer "no rows" for an id beyond the column's range without asking, a prepared
query passes it on.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from weakref import WeakKeyDictionary

from django.db import connections, router
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable, get_related_populators

# Values no query of the application names. An int marker stays within every integer column's
# range: Django compiles a comparison with a value outside it to "no rows" without a parameter.
_INT_MARKER = 2_147_483_000
_DATE_MARKER = date(1, 1, 1)


def _marker(kind, index: int):
    if kind is int:
        return _INT_MARKER + index
    if kind is str:
        return f"\x1fprepared-marker-{index}\x1f"
    if kind is date:
        return _DATE_MARKER + timedelta(days=index)
    raise TypeError(f"A prepared query takes int, str or date values, not {kind!r}.")


def _adapter(kind, connection):
    if kind is date:
        return connection.ops.adapt_datefield_value
    return kind


@dataclass
class _Compiled:
    sql: str
    params: list
    slots: list  # (position among the parameters, value name)
    adapters: dict
    compiler: object
    converters: dict
    read: object  # rows -> result list


class Prepared:
    """`build(**values)` returns the queryset for the values (each an int, str or date, as `types`
    says); calling the Prepared with the values returns the queryset's rows as a list."""

    def __init__(self, build, **types):
        self.build = build
        self.types = types
        self.model = None  # the queryset's, known once it is first built
        self._compiled = WeakKeyDictionary()  # per connection: each thread has its own

    def __call__(self, **values) -> list:
        if self.model is None:
            self.model = self._build()[1].model
        connection = connections[router.db_for_read(self.model)]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = self._compile(connection)
        params = list(compiled.params)
        for position, name in compiled.slots:
            params[position] = compiled.adapters[name](values[name])
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        compiler = compiled.compiler
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        if compiled.converters:
            rows = compiler.apply_converters(rows, compiled.converters)
        return compiled.read(rows)

    def _build(self):
        markers = {name: _marker(kind, index) for index, (name, kind) in enumerate(self.types.items())}
        queryset = self.build(**markers)
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise TypeError("A prepared query is one plain queryset (no prefetching, not a related manager's).")
        return markers, queryset

    def _compile(self, connection) -> _Compiled:
        markers, queryset = self._build()
        adapters = {name: _adapter(kind, connection) for name, kind in self.types.items()}
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        wanted = {adapters[name](marker): name for name, marker in markers.items()}
        slots = [(position, wanted[value]) for position, value in enumerate(params) if _hashable(value) and value in wanted]
        missing = set(markers) - {name for _position, name in slots}
        if missing:
            raise ValueError(f"The prepared query's values {sorted(missing)} do not reach its SQL as parameters.")
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        return _Compiled(
            sql=sql,
            params=list(params),
            slots=slots,
            adapters=adapters,
            compiler=compiler,
            converters=compiler.get_converters(fields),
            read=_reader(queryset, compiler, connection.alias),
        )


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _reader(queryset, compiler, alias):
    """What the queryset's own iterable makes of converted rows."""
    query = queryset.query
    iterable = queryset._iterable_class
    if iterable is FlatValuesListIterable and not (query.extra_select or query.annotation_select):
        return lambda rows: [row[0] for row in rows]
    if iterable is ValuesListIterable and not (query.extra_select or query.annotation_select):
        return lambda rows: [tuple(row) for row in rows]
    if iterable is not ModelIterable:
        raise TypeError("A prepared query gives model instances or values_list rows of plain columns.")
    select, klass_info, annotation_col_map = compiler.select, compiler.klass_info, compiler.annotation_col_map
    model = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, alias)

    def read(rows):
        found = []
        for row in rows:
            obj = model.from_db(alias, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotation_col_map.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    return read
