"""A plain SQL LIKE lookup (``field__like="%bj_ryy%"``): Django's ``contains`` escapes the wildcards."""

from django.db.models import CharField, ForeignKey, Lookup, TextField


class Like(Lookup):
    lookup_name = "like"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs}", [*lhs_params, *rhs_params]


CharField.register_lookup(Like)
TextField.register_lookup(Like)
# Keys that are codes (a GB/T 2260 division): ``division__like="31%"`` is a prefix match on the row's own
# column, which its pattern index answers; Django's ``startswith`` is not defined on a relation.
ForeignKey.register_lookup(Like)
