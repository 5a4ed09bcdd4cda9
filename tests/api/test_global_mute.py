from chalicelib.domain.mute import FOREVER


def test_setnospeaking_mutes_for_a_time_and_getnospeaking_counts_down(api, svc, tenant, clock):
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"})
    api.ok("openconfigsvr/setnospeaking", {"Set_Account": "alice", "C2CmsgNospeakingTime": 600})
    clock.advance(100)
    out = api.ok("openconfigsvr/getnospeaking", {"Get_Account": "alice"})
    assert (out["C2CmsgNospeakingTime"], out["GroupmsgNospeakingTime"]) == (500, 0)
    # the deadline is stored where C2C and group sends read it (the account record)
    record = svc.accounts.repo.get_account(tenant.sdkappid, "alice")
    assert record.c2c_mute_until == int(clock.now()) + 500 and record.group_mute_until == 0


def test_forever_stays_forever_and_zero_clears(api, tenant, clock):
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"})
    api.ok(
        "openconfigsvr/setnospeaking",
        {"Set_Account": "alice", "C2CmsgNospeakingTime": FOREVER, "GroupmsgNospeakingTime": 7200},
    )
    clock.advance(86400 * 365)
    out = api.ok("openconfigsvr/getnospeaking", {"Get_Account": "alice"})
    assert (out["C2CmsgNospeakingTime"], out["GroupmsgNospeakingTime"]) == (FOREVER, 0)
    api.ok("openconfigsvr/setnospeaking", {"Set_Account": "alice", "C2CmsgNospeakingTime": 0})
    out = api.ok("openconfigsvr/getnospeaking", {"Get_Account": "alice"})
    assert out["C2CmsgNospeakingTime"] == 0


def test_setting_one_kind_leaves_the_other(api, tenant):
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"})
    api.ok("openconfigsvr/setnospeaking", {"Set_Account": "alice", "GroupmsgNospeakingTime": 60})
    api.ok("openconfigsvr/setnospeaking", {"Set_Account": "alice", "C2CmsgNospeakingTime": 30})
    out = api.ok("openconfigsvr/getnospeaking", {"Get_Account": "alice"})
    assert (out["C2CmsgNospeakingTime"], out["GroupmsgNospeakingTime"]) == (30, 60)


def test_mute_commands_reject_bad_input_and_write_nothing(api, svc, tenant):
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"})
    api.fails("openconfigsvr/setnospeaking", {"C2CmsgNospeakingTime": 5}, 130004)
    api.fails("openconfigsvr/setnospeaking", {"Set_Account": 7, "C2CmsgNospeakingTime": 5}, 130005)
    api.fails("openconfigsvr/setnospeaking", {"Set_Account": "ghost", "C2CmsgNospeakingTime": 5}, 130005)
    api.fails("openconfigsvr/setnospeaking", {"Set_Account": "alice"}, 130008)
    api.fails("openconfigsvr/setnospeaking", {"Set_Account": "alice", "C2CmsgNospeakingTime": -1}, 70402)
    api.fails("openconfigsvr/setnospeaking", {"Set_Account": "alice", "C2CmsgNospeakingTime": "5"}, 70402)
    api.fails("openconfigsvr/setnospeaking", {"Set_Account": "alice", "GroupmsgNospeakingTime": FOREVER + 1}, 70402)
    api.fails("openconfigsvr/getnospeaking", {}, 130005)
    api.fails("openconfigsvr/getnospeaking", {"Get_Account": "ghost"}, 130005)
    api.fails(
        "openconfigsvr/setnospeaking", {"Set_Account": "alice", "C2CmsgNospeakingTime": 5}, 60010, identifier="alice"
    )
    record = svc.accounts.repo.get_account(tenant.sdkappid, "alice")
    assert (record.c2c_mute_until, record.group_mute_until) == (0, 0)
