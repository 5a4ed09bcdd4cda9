"""The handshake grace: a Gone answer prunes only terminals older than it (domain/terminals)."""

from chalicelib.domain import terminals


def test_a_terminal_within_the_grace_survives_a_gone():
    t0 = 1_700_000_000
    assert terminals.survives_gone(t0, t0)
    assert terminals.survives_gone(t0, t0 + terminals.HANDSHAKE_GRACE_SECONDS)
    assert terminals.survives_gone(t0, t0 + terminals.HANDSHAKE_GRACE_SECONDS + 0.9)
    assert not terminals.survives_gone(t0, t0 + terminals.HANDSHAKE_GRACE_SECONDS + 1)


def test_the_cutoff_agrees_with_the_rule():
    now = 1_700_000_100.5
    cutoff = terminals.gone_cutoff(now)
    assert not terminals.survives_gone(cutoff - 1, now) and terminals.survives_gone(cutoff, now)


def test_the_grace_is_well_above_api_gateways_connect_timeout_and_below_the_idle_limit():
    assert 29 < terminals.HANDSHAKE_GRACE_SECONDS < terminals.IDLE_SECONDS
