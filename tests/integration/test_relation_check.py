from chalicelib.store.keys import user_pk
from chalicelib.store.relations import RelationRowModel, black_sk, friend_sk


def test_relation_check_reads_friend_and_black_rows_per_direction(svc, tenant):
    RelationRowModel(user_pk(tenant.sdkappid, "alice"), friend_sk("bob")).save()
    RelationRowModel(user_pk(tenant.sdkappid, "bob"), black_sk("carol")).save()
    check = svc.relation_check
    assert check.is_friend(tenant.sdkappid, "alice", "bob")
    assert not check.is_friend(tenant.sdkappid, "bob", "alice")
    assert check.is_blocked(tenant.sdkappid, "bob", "carol")
    assert not check.is_blocked(tenant.sdkappid, "carol", "bob")
    assert not check.is_friend(tenant.sdkappid + 1, "alice", "bob")  # another tenant sees nothing
