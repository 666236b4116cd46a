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
query passes it on. A value may also be a list, for an `__in` lookup (its type given as
`[int]`): the query is compiled for each length, lists padded to a power of two with their
last value (the same rows match), so for a handful of lengths rather than for every one.

`prepared_prefetch` does the same for prefetch_related: it asks Django for the very queryset
its prefetch would run (built for marker instances), prepares that, and hands the rows to
Django's own code that files them on the instances.
"""

import copy
from dataclasses import dataclass
from datetime import date, timedelta
from weakref import WeakKeyDictionary

from django.core.exceptions import EmptyResultSet, ObjectDoesNotExist
from django.db import connections, models, router
from django.db.models import Prefetch, prefetch_related_objects
from django.db.models.fields.related_descriptors import (
    ManyToManyDescriptor,
    ReverseManyToOneDescriptor,
    ReverseOneToOneDescriptor,
)
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_prefetcher,
    get_related_populators,
    prefetch_one_level,
)

# Values no query of the application names. An int marker stays within every integer column's
# range (Django compiles a comparison with a value outside it to "no rows" without a
# parameter), with room below its top for the markers of long lists.
_INT_MARKER = 2_147_000_000
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


def _padded(values: list) -> list:
    if len(values) < 2:
        return values
    size = 1 << (len(values) - 1).bit_length()
    return values + [values[-1]] * (size - len(values))


@dataclass
class _Compiled:
    sql: str | None  # None: the queryset is empty whatever the values (an empty `__in` list)
    params: list
    slots: list  # (position among the parameters, value name, index in a list value or None)
    adapters: dict
    compiler: object
    converters: dict
    read: object  # rows -> result list


class Prepared:
    """`build(**values)` returns the queryset for the values (each an int, str or date, or a
    list of one of them, as `types` says: `ids=[int]`); calling the Prepared with the values
    returns the queryset's rows as a list."""

    def __init__(self, build, **types):
        self.build = build
        self.types = types
        self.model = None  # the queryset's, known once it is first built
        # Per connection (each thread has its own), by the (padded) lengths of the list values.
        self._compiled = WeakKeyDictionary()

    def __call__(self, **values) -> list:
        lists = {name: _padded(list(values[name])) for name, kind in self.types.items() if isinstance(kind, list)}
        shape = tuple(len(value) for value in lists.values())
        if self.model is None:
            self.model = self._build(shape)[1].model
        connection = connections[router.db_for_read(self.model)]
        by_shape = self._compiled.get(connection)
        if by_shape is None:
            by_shape = self._compiled[connection] = {}
        compiled = by_shape.get(shape)
        if compiled is None:
            compiled = by_shape[shape] = self._compile(connection, shape)
        if compiled.sql is None:
            return []
        params = list(compiled.params)
        for position, name, index in compiled.slots:
            params[position] = compiled.adapters[name](values[name] if index is None else lists[name][index])
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        compiler = compiled.compiler
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        if compiled.converters:
            rows = compiler.apply_converters(rows, compiled.converters)
        return compiled.read(rows)

    def _build(self, shape):
        lengths, markers, count = iter(shape), {}, 0
        for name, kind in self.types.items():
            if isinstance(kind, list):
                markers[name] = [_marker(kind[0], count + n) for n in range(next(lengths))]
                count += len(markers[name])
            else:
                markers[name] = _marker(kind, count)
                count += 1
        queryset = self.build(**markers)
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise TypeError("A prepared query is one plain queryset (no prefetching, not a related manager's).")
        return markers, queryset

    def _compile(self, connection, shape) -> _Compiled:
        markers, queryset = self._build(shape)
        adapters = {name: _adapter(kind[0] if isinstance(kind, list) else kind, connection) for name, kind in self.types.items()}
        compiler = queryset.query.get_compiler(connection=connection)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return _Compiled(None, [], [], adapters, compiler, {}, None)
        wanted = {}
        for name, marker in markers.items():
            for index, each in enumerate(marker) if isinstance(marker, list) else [(None, marker)]:
                wanted[adapters[name](each)] = (name, index)
        slots = [(position, *wanted[value]) for position, value in enumerate(params) if _hashable(value) and value in wanted]
        missing = {name for name, _index in set(wanted.values()) - {(name, index) for _position, name, index in slots}}
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


# ---------------------------------------------------------------- prefetch_related


class _Level:
    """Django's prefetch of one relation (one level of a lookup), prepared: the rows come from
    the SQL; what Django's prefetcher gives besides (how rows match instances, where they are
    kept, the relation's own prefetch_related) is kept from when it was built."""

    def __init__(self, model, through_attr: str, lookup: Prefetch, level: int):
        self.model, self.through_attr, self.lookup, self.level = model, through_attr, lookup, level
        self.query = Prepared(self._build, ids=[int])

    def _build(self, ids):
        # Django runs the prefetch of a reverse relation as it builds it: here once, for the
        # markers, finding nothing.
        objects = [self.model(pk=pk) for pk in ids]
        to_attr = self.lookup.get_current_to_attr(self.level)[0]
        prefetcher, descriptor, _found, _fetched = get_prefetcher(objects[0], self.through_attr, to_attr)
        querysets = self.lookup.get_current_querysets(self.level)
        # A copy: the lookup's queryset is the caller's (and Django keeps it on the instances).
        querysets = [querysets[0]._chain()] if querysets else None
        queryset, self.rel_obj_attr, self.instance_attr, self.single, self.cache_name, self.is_descriptor = (
            prefetcher.get_prefetch_querysets(objects, querysets)
        )
        if self.instance_attr(objects[0]) not in ((objects[0].pk,), objects[0].pk):
            raise TypeError(f"{self.through_attr}: the prefetch does not match rows by the instance's primary key")
        self.nested = list(queryset._prefetch_related_lookups)
        queryset._prefetch_related_lookups = ()
        self.backlink = _backlink(descriptor, prefetcher)
        return queryset

    def rows(self, instances) -> list:
        rows = self.query(ids=[obj.pk for obj in instances])
        if self.backlink is not None and rows:
            by_value = {self.instance_attr(obj): obj for obj in instances}
            for row in rows:
                self.backlink(row, by_value[self.rel_obj_attr(row)])
        return rows


def _backlink(descriptor, prefetcher):
    """What Django's prefetcher does to each row on its way out: point it at its instance."""
    if isinstance(descriptor, ManyToManyDescriptor):
        return None
    if isinstance(descriptor, ReverseOneToOneDescriptor):
        return descriptor.related.field.set_cached_value
    field = prefetcher.field

    def reverse_many(row, instance):
        if not field.is_cached(row):
            setattr(row, field.name, instance)

    return reverse_many


class _Ready:
    """Stands in for Django's prefetcher in prefetch_one_level, with the rows already read."""

    def __init__(self, level: _Level, rows):
        self.answer = (rows, level.rel_obj_attr, level.instance_attr, level.single, level.cache_name, level.is_descriptor)

    def get_prefetch_querysets(self, instances, querysets=None):
        return self.answer


# The relations whose prefetch filters by the instances' primary keys: reverse foreign keys,
# many-to-many either way (ManyToManyDescriptor is a ReverseManyToOneDescriptor), reverse
# one-to-ones.
_PREPARED_DESCRIPTORS = (ReverseManyToOneDescriptor, ReverseOneToOneDescriptor)
_LEVELS: dict = {}


def prepared_prefetch(instances, lookups, *, key) -> None:
    """prefetch_related_objects(instances, *lookups), each relation's query prepared.

    Under `key` (the caller's name) a lookup's name must always mean the same queryset: it is
    prepared from the first one seen. A relation Django prefetches some other way (a forward
    foreign key, a generic relation) is left to prefetch_related_objects."""
    instances = list(instances)
    for lookup in lookups:
        _prefetch(instances, lookup if isinstance(lookup, Prefetch) else Prefetch(lookup), key)


def _prefetch(instances, lookup: Prefetch, key) -> None:
    through = lookup.prefetch_through.split("__")
    obj_list = instances
    for level, through_attr in enumerate(through):
        if not obj_list:
            return
        for obj in obj_list:
            if not hasattr(obj, "_prefetched_objects_cache"):
                obj._prefetched_objects_cache = {}
        model = type(obj_list[0])
        to_attr = lookup.get_current_to_attr(level)[0]
        prefetcher, descriptor, found, is_fetched = get_prefetcher(obj_list[0], through_attr, to_attr)
        if not found:
            raise AttributeError(f"{model.__name__} has no relation {through_attr!r} to prefetch")
        to_fetch = [obj for obj in obj_list if not is_fetched(obj)] if prefetcher is not None else []
        if to_fetch:
            level_key = (key, lookup.prefetch_to, level, model)
            prepared = _LEVELS.get(level_key)
            if prepared is None:
                supported = isinstance(descriptor, _PREPARED_DESCRIPTORS) and isinstance(model._meta.pk, models.IntegerField)
                prepared = _LEVELS[level_key] = _Level(model, through_attr, lookup, level) if supported else False
            if prepared is False or any(type(obj) is not model for obj in to_fetch):
                prefetch_related_objects(instances, lookup)
                return
            rows = prepared.rows(to_fetch)
            prefetch_one_level(to_fetch, _Ready(prepared, rows), lookup, level)
            for nested in prepared.nested:
                nested = copy.copy(nested) if isinstance(nested, Prefetch) else Prefetch(nested)
                _prefetch(rows, nested, (key, lookup.prefetch_to))
        if level == len(through) - 1:
            return
        obj_list = _descend(obj_list, through_attr)


def _descend(obj_list, through_attr) -> list:
    """The objects one level down a lookup's path, as prefetch_related_objects walks it."""
    found = []
    for obj in obj_list:
        if through_attr in getattr(obj, "_prefetched_objects_cache", ()):
            value = list(obj._prefetched_objects_cache.get(through_attr))
        else:
            try:
                value = getattr(obj, through_attr)
            except ObjectDoesNotExist:
                continue
        if value is None:
            continue
        if isinstance(value, list):
            found.extend(value)
        else:
            found.append(value)
    return found
