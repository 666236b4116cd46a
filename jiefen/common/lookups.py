"""`__in` on an integer column with a value the column cannot hold.

Django drops such values from `exact`, `gt` … (IntegerFieldOverflow) but not from `in`, so a
form posting "99999999999999999999" as the id of a party or a mediator (a ModelMultipleChoice
field filters `pk__in=`) makes SQLite's driver raise OverflowError: a server error instead of
"选择一个有效的选项". A value outside the column's range matches no row, so it is left out."""

from django.db.models import IntegerField
from django.db.models.lookups import In


@IntegerField.register_lookup
class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            try:
                low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            except KeyError:
                low = high = None
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int) or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)
