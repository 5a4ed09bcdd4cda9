"""All-member push data in the `entities` table, and the page-by-page walks a push delivery makes.

- `{app}#PUSH` / `ATTRNAMES`: the app's attribute names, slot → name.
- `{app}#U#{user}` / `PUSHTAG#{tag}` and `PUSHATTR#{slot}` (value in `value`): under the account partition, so
  deleting the account deletes them; gsi1 = (`{app}#PUSHTAG#{tag}` or `{app}#PUSHATTR#{slot}#{value}`, user) lets
  a push find everyone holding a term with one paginated Query.
- Online terminals come from the connections table's gsi1 (`{app}#CONN`), one page at a time.
Cursors are the last sort key seen, so a delivery task can stop after a page and hand the rest to the next task.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from pynamodb.attributes import MapAttribute, UnicodeAttribute

from chalicelib.domain.push import Term
from chalicelib.services.ports import Connection
from chalicelib.store.base import BaseModel, Gsi1, TableMeta
from chalicelib.store.connections import ConnectionModel, _to_conn
from chalicelib.store.keys import push_app_pk, push_term_index, push_term_sk, user_pk

ATTR_NAMES_SK = "ATTRNAMES"


class PushSettingsModel(BaseModel):
    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

    names: MapAttribute[str, Any] = MapAttribute(default=dict)


class PushTermModel(BaseModel):
    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

    user = UnicodeAttribute()
    kind = UnicodeAttribute()
    key = UnicodeAttribute()
    value = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_term = Gsi1()


def _row(sdkappid: int, user: str, term: Term) -> PushTermModel:
    return PushTermModel(
        user_pk(sdkappid, user),
        push_term_sk(term.kind, term.key),
        user=user,
        kind=term.kind,
        key=term.key,
        value=term.value or None,
        gsi1pk=push_term_index(sdkappid, term.kind, term.key, term.value),
        gsi1sk=user,
    )


def _term(m: PushTermModel) -> Term:
    return Term(m.kind, m.key, m.value or "")


class DynamoPushStore:
    def attr_names(self, sdkappid: int) -> dict[str, str]:
        try:
            m = PushSettingsModel.get(push_app_pk(sdkappid), ATTR_NAMES_SK, consistent_read=True)
        except PushSettingsModel.DoesNotExist:
            return {}
        return {str(k): str(v) for k, v in (m.names.as_dict() if m.names is not None else {}).items()}

    def set_attr_names(self, sdkappid: int, names: Mapping[str, str]) -> None:
        PushSettingsModel(push_app_pk(sdkappid), ATTR_NAMES_SK, names=dict(names)).save()

    def terms_of(self, sdkappid: int, user: str, kind: str) -> list[Term]:
        """A user's tags (or attributes), one Query on the account partition."""
        prefix = push_term_sk(kind, "")
        return [_term(m) for m in PushTermModel.query(user_pk(sdkappid, user), PushTermModel.sk.startswith(prefix))]

    def put(self, sdkappid: int, user: str, terms: Iterable[Term]) -> None:
        """Add tags / set attributes (an attribute's new value replaces its old row and index entry)."""
        with PushTermModel.batch_write() as batch:
            for term in terms:
                batch.save(_row(sdkappid, user, term))

    def remove(self, sdkappid: int, user: str, kind: str, keys: Iterable[str]) -> None:
        with PushTermModel.batch_write() as batch:
            for key in dict.fromkeys(keys):
                batch.delete(PushTermModel(user_pk(sdkappid, user), push_term_sk(kind, key)))

    def users_with(self, sdkappid: int, term: Term, after: str, limit: int) -> list[str]:
        """One page of the users holding `term`, in UserID order after `after`."""
        index = push_term_index(sdkappid, term.kind, term.key, term.value)
        # DynamoDB refuses an empty string in a key condition: the first page has none.
        after_cond = PushTermModel.gsi1sk > after if after else None
        return [m.user for m in PushTermModel.by_term.query(index, after_cond, limit=limit)]

    def holdings(self, sdkappid: int, users: Sequence[str], terms: Sequence[Term]) -> dict[str, set[Term]]:
        """Which of `terms` each user holds: one BatchGetItem over users x terms (PynamoDB splits it by 100)."""
        keys = {(user_pk(sdkappid, u), push_term_sk(t.kind, t.key)) for u in users for t in terms}
        wanted = set(terms)
        out: dict[str, set[Term]] = {u: set() for u in users}
        for m in PushTermModel.batch_get(list(keys)):
            held = _term(m)
            if held in wanted:  # an attribute row matches only with the condition's value
                out.setdefault(m.user, set()).add(held)
        return out

    def online_page(self, sdkappid: int, after: str, limit: int, now: float) -> tuple[list[Connection], str]:
        """One page of the app's live terminals after cursor `after`; returns them and the next cursor."""
        after_cond = ConnectionModel.gsi1sk > after if after else None
        rows = list(
            ConnectionModel.by_app.query(
                f"{sdkappid}#CONN", after_cond, filter_condition=ConnectionModel.expires > int(now), limit=limit
            )
        )
        return [_to_conn(m) for m in rows], (rows[-1].gsi1sk if rows else after)
