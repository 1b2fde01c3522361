"""A plain SQL LIKE lookup (``field__like="%bj_ryy%"``): Django's ``contains`` escapes the wildcards."""

from django.db.models import CharField, Lookup, TextField


class Like(Lookup):
    lookup_name = "like"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs}", [*lhs_params, *rhs_params]


CharField.register_lookup(Like)
TextField.register_lookup(Like)
