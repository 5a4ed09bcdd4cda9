def test_admin_imports_account_and_reads_profile(api):
    api.ok("im_open_login_svc/account_import", {"UserID": "alice", "Nick": "Alice"})
    out = api.ok("profile/portrait_get", {"To_Account": ["alice"], "TagList": ["Tag_Profile_IM_Nick"]})
    assert out["UserProfileItem"][0]["ProfileItem"] == [{"Tag": "Tag_Profile_IM_Nick", "Value": "Alice"}]
    assert out["ErrorDisplay"] == ""
