def test_admin_adds_lists_and_deletes_custom_dirty_words(api, svc):
    api.ok("openim_dirty_words/add", {"DirtyWordsList": ["Spam", "spam", "badword"]})
    assert api.ok("openim_dirty_words/get")["DirtyWordsList"] == ["badword", "spam"]
    app = svc.apps.get(api.tenant.sdkappid)
    assert svc.dirty_words.matcher(app.sdkappid).find("so much SPAM") == "spam"
    api.ok("openim_dirty_words/delete", {"DirtyWordsList": ["spam"]})
    assert api.ok("openim_dirty_words/get")["DirtyWordsList"] == ["badword"]
    assert svc.dirty_words.matcher(app.sdkappid).find("so much spam") is None


def test_dirty_word_bad_input_writes_nothing(api):
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"})
    for body in (
        {},
        {"DirtyWordsList": "x"},
        {"DirtyWordsList": []},
        {"DirtyWordsList": [""]},
        {"DirtyWordsList": [1]},
        {"DirtyWordsList": ["x" * 201]},
        {"DirtyWordsList": ["w"] * 51},
    ):
        api.fails("openim_dirty_words/add", body, 10004)
    api.fails("openim_dirty_words/add", {"DirtyWordsList": ["x"]}, 60010, identifier="alice")
    assert api.ok("openim_dirty_words/get")["DirtyWordsList"] == []
