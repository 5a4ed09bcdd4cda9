"""The four login policies as full tables, platform names, and how racing logins are ordered."""

from dataclasses import dataclass

import pytest

from chalicelib.domain import errors, terminals
from chalicelib.domain.apps import AppConfig

# Rows: the platform already online; columns: the platform logging in. K = the online terminal is kicked.
COLUMNS = ("iPhone", "Android", "iPad", "Web", "PC", "Mac")
EXPECTED = {
    "no_kick": """
        iPhone  . . . . . .
        Android . . . . . .
        iPad    . . . . . .
        Web     . . . . . .
        PC      . . . . . .
        Mac     . . . . . .
    """,
    "mobile_pc": """
        iPhone  K K K . . .
        Android K K K . . .
        iPad    K K K . . .
        Web     . . . K K K
        PC      . . . K K K
        Mac     . . . K K K
    """,
    "per_platform": """
        iPhone  K . K . . .
        Android . K . . . .
        iPad    K . K . . .
        Web     . . . K K K
        PC      . . . K K K
        Mac     . . . K K K
    """,
    "single": """
        iPhone  K K K K K K
        Android K K K K K K
        iPad    K K K K K K
        Web     K K K K K K
        PC      K K K K K K
        Mac     K K K K K K
    """,
}


def _parse(grid: str) -> dict[tuple[str, str], bool]:
    out = {}
    for line in grid.strip().splitlines():
        online, *marks = line.split()
        assert len(marks) == len(COLUMNS)
        for new, mark in zip(COLUMNS, marks, strict=True):
            out[(online, new)] = mark == "K"
    return out


@pytest.mark.parametrize("policy", sorted(EXPECTED))
def test_each_policy_kicks_exactly_the_terminals_of_its_table(policy):
    assert terminals.table(policy) == _parse(EXPECTED[policy])


def test_the_four_policies_are_the_apps_config_choices_and_single_is_the_default():
    assert set(terminals.POLICIES) == set(EXPECTED)
    assert AppConfig().login_policy == "single"


def test_mobile_pc_allows_at_most_one_phone_and_one_pc():
    # FAQ mode 2: a phone and a PC may be online together, two phones (or two PCs) never
    table = terminals.table("mobile_pc")
    assert not table[("iPhone", "PC")] and not table[("Mac", "Android")]
    assert table[("iPad", "Android")] and table[("Web", "Mac")]


def test_per_platform_lets_an_android_an_ios_and_a_pc_terminal_online_together():
    table = terminals.table("per_platform")
    trio = ("Android", "iPhone", "PC")
    assert not any(table[(a, b)] for a in trio for b in trio if a != b)
    assert table[("iPhone", "iPad")]  # iPad is the iOS type: a fourth terminal would break the FAQ's "at most 3"


def test_unknown_policy_is_a_programming_error():
    with pytest.raises(ValueError):
        terminals.kicks("sometimes", "PC", "PC")


@pytest.mark.parametrize("given,name", [("iPhone", "iPhone"), ("android", "Android"), ("WEB", "Web"), ("mac", "Mac")])
def test_platform_names_are_matched_case_insensitively(given, name):
    assert terminals.platform(given) == name


@pytest.mark.parametrize("given", [None, "", "Windows", "Linux", 3, "iPhone "])
def test_unknown_platforms_are_invalid_parameters(given):
    with pytest.raises(errors.DomainError) as err:
        terminals.platform(given)
    assert err.value.error_code == 70402


@dataclass(frozen=True)
class T:
    name: str
    platform: str
    seq: int


def test_a_login_kicks_the_earlier_conflicting_terminals_only():
    online = [T("a", "Android", 1), T("b", "PC", 2), T("c", "iPhone", 3)]
    outcome = terminals.resolve("mobile_pc", T("new", "Android", 4), online)
    assert not outcome.refused
    assert [t.name for t in outcome.kicked] == ["a", "c"]


def test_a_login_that_a_later_conflicting_login_overtook_is_refused_and_kicks_nobody():
    # two racing logins both see each other: the lower seq loses on both sides, so exactly one survives
    early, late = T("early", "PC", 1), T("late", "Web", 2)
    assert terminals.resolve("single", early, [late]).refused
    later_view = terminals.resolve("single", late, [early])
    assert not later_view.refused and later_view.kicked == [early]


def test_a_later_login_on_a_compatible_platform_does_not_refuse():
    outcome = terminals.resolve("mobile_pc", T("phone", "Android", 1), [T("pc", "PC", 2)])
    assert not outcome.refused and outcome.kicked == []


def test_no_kick_never_refuses_or_kicks():
    outcome = terminals.resolve("no_kick", T("x", "PC", 1), [T("y", "PC", 2), T("z", "PC", 0)])
    assert not outcome.refused and outcome.kicked == []
