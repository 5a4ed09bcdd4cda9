import pytest

from chalicelib.domain import billing
from chalicelib.domain.apps import AppConfig
from chalicelib.domain.stats import billing_dau, month_days


def _fees(config: AppConfig, dau: int = 0) -> dict[str, int]:
    return {line.item: line.cny for line in billing.monthly_fees(dau, config)}


@pytest.mark.parametrize(
    ("peak", "cny"), [(0, 0), (99_999, 0), (100_000, 10_000), (150_000, 20_000), (800_000, 80_000)]
)
def test_dau_is_free_under_100k_then_10000_cny_per_started_100k(peak, cny):
    assert billing.dau_fee(peak).cny == cny


def test_above_the_tables_range_the_fee_is_extrapolated_and_says_so():
    line = billing.dau_fee(900_000)
    assert line.cny == 90_000 and "ask sales" in line.note


def test_the_months_billing_dau_is_its_highest_day():
    assert billing_dau({"20240501": 120_000, "20240502": 80_000, "20240503": 99_000}) == 120_000
    assert billing_dau({}) == 0


def test_default_configuration_costs_nothing_extra():
    assert _fees(AppConfig()) == {"DAU": 0}


def test_value_added_fees_follow_the_faqs_worked_examples():
    assert _fees(AppConfig(rest_rate_per_second=1000))["REST call rate"] == 6_000
    assert _fees(AppConfig(daily_new_groups=10_000))["daily net new groups"] == 12_000
    assert _fees(AppConfig(max_groups=1_000_000))["total groups"] == 6_000
    assert _fees(AppConfig(recent_contacts=500))["recent contacts"] == 6_000
    assert _fees(AppConfig(roaming_days=365), 200_000)["message roaming"] == 8_000  # 1000 x 2 x 4
    assert _fees(AppConfig(rest_rate_per_second=150))["REST call rate"] == 2_000  # the minimum
    assert _fees(AppConfig(login_policy="mobile_pc"))["multi-terminal login"] == 2_000


def test_aws_estimate_prices_counted_events_at_the_design_list_prices():
    day = {"LoginTimes": 1_000_000, "C2CUpMsgNum": 1_000_000, "DownMsgNum": 1_000_000, "MaxOnlineNum": 0}
    model = billing.CostModel()
    lines = {c.item: c for c in billing.aws_estimate([day], model)}
    frames = 1_000_000 * model.frames_per_login + 1_000_000 * model.frames_per_up_msg + 1_000_000
    assert lines["WebSocket frames"].quantity == frames
    assert lines["WebSocket frames"].usd == pytest.approx(frames / 1e6 * 1.00)
    writes = 1_000_000 * (model.writes_per_login + model.writes_per_c2c_msg)
    assert lines["DynamoDB write units"].usd == pytest.approx(writes / 1e6 * 0.625)
    assert lines["WebSocket connection-minutes"].usd == 0


def test_connection_minutes_come_from_the_daily_peak():
    lines = {c.item: c for c in billing.aws_estimate([{"MaxOnlineNum": 1000}] * 30)}
    assert lines["WebSocket connection-minutes"].quantity == 1000 * 0.5 * 1440 * 30


def test_month_days_cover_the_natural_month():
    assert len(month_days("2024-02")) == 29 and month_days("2023-12")[-1] == "20231231"
    with pytest.raises(ValueError):
        month_days("2024-13")
