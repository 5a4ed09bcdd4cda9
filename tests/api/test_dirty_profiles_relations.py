"""Dirty words in profiles (40005), friend remarks, wordings and friend group names (30005), group names and cards
(80001): the app's list and the default one (chalicelib/domain/wordlists), refused before anything is written."""

import pytest

from tests.group_builders import accounts, create

NICK = "Tag_Profile_IM_Nick"


@pytest.fixture
def people(api):
    accounts(api, "alice", "bob", "carol")
    api.ok("openim_dirty_words/add", {"DirtyWordsList": ["badword", "坏词"]})


@pytest.mark.parametrize("value", ["badword", "我是坏词", "you asshole", "傻逼", "Motherfucker!"])
def test_a_nick_or_signature_with_a_dirty_word_is_refused_40005(api, people, value):
    for tag in (NICK, "Tag_Profile_IM_SelfSignature", "Tag_Profile_IM_Location"):
        body = {"From_Account": "alice", "ProfileItem": [{"Tag": tag, "Value": value}]}
        api.rejects("profile/portrait_set", body, 40005)
        api.rejects("profile/portrait_set", body, 40005, identifier="alice")


@pytest.mark.parametrize("value", ["Classic Bob", "passage", "牛奶", "性别男", "Scunthorpe"])
def test_innocent_words_containing_a_listed_one_pass(api, people, value):
    api.ok("profile/portrait_set", {"From_Account": "alice", "ProfileItem": [{"Tag": NICK, "Value": value}]})


def test_the_avatar_url_is_not_checked(api, people):
    item = {"Tag": "Tag_Profile_IM_Image", "Value": "https://cdn.example/ass.png"}
    api.ok("profile/portrait_set", {"From_Account": "alice", "ProfileItem": [item]})


def test_friend_remarks_wordings_and_group_names_are_refused_30005(api, people):
    def add(**extra):
        item = {"To_Account": "bob", "AddSource": "AddSource_Type_Web", **extra}
        return {"From_Account": "alice", "AddFriendItem": [item], "ForceAddFlags": 1}

    for extra in ({"Remark": "badword"}, {"AddWording": "hi 坏词"}, {"GroupName": "badword pals"}):
        api.rejects("sns/friend_add", add(**extra), 30005)
    for extra in ({"Remark": "badword"}, {"AddWording": "hi 坏词"}, {"GroupName": ["badword pals"]}):
        api.rejects("sns/friend_import", add(**extra), 30005)  # friend_import's GroupName is a list
    api.ok("sns/friend_add", add(Remark="bee"))
    update = {"To_Account": "bob", "SnsItem": [{"Tag": "Tag_SNS_IM_Remark", "Value": "badword"}]}
    api.rejects("sns/friend_update", {"From_Account": "alice", "UpdateItem": [update]}, 30005)
    api.rejects("sns/group_add", {"From_Account": "alice", "GroupName": ["坏词们"]}, 30005)


def test_group_names_and_name_cards_are_refused_80001(api, people):
    api.rejects(
        "group_open_http_svc/create_group", {"Type": "Public", "Name": "badword club", "Owner_Account": "alice"}, 80001
    )
    gid = create(api, "Public", members=("bob",))
    api.rejects("group_open_http_svc/modify_group_base_info", {"GroupId": gid, "Name": "傻逼群"}, 80001)
    body = {"GroupId": gid, "Member_Account": "bob", "NameCard": "badword"}
    api.rejects("group_open_http_svc/modify_group_member_info", body, 80001)
