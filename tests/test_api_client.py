"""The API client against the sandbox through a real socket on 127.0.0.1: pagination, exact numbers, the
budget and 429s, retries of GETs (never of writes), and every failure as one clear error."""

from __future__ import annotations

import socket
import time
from decimal import Decimal
from pathlib import Path

import pytest
from conftest_api import CAMPAIGN, SID, TOKEN, client_for, sandbox  # noqa: F401 (fixtures)
from sshd import FaultProxy

from batchkit.api.answers import money, parse_json
from batchkit.api.errors import (
    ApiAnswerError,
    ApiCredentials,
    ApiForbidden,
    ApiNotFound,
    ApiRejected,
    ApiUnreachable,
    NotAccepted,
)
from batchkit.api.client import ApiClient
from batchkit.api.writes import Answer, Write, send_once
from batchkit.core.change import action_change
from batchkit.delivery.viaapi.run import accept
from batchkit.sandbox import Sandbox

SEEDED = "1000.4636.158201"  # an action of samples/batch/acme_order-modifications_2026-11-22.csv


def _gets(sb: Sandbox, contains: str = "") -> list:
    return [r for r in sb.requests if r.method == "GET" and contains in r.path]


def test_numbers_are_exact_whether_strings_or_json_numbers() -> None:
    body = parse_json(b'{"Amount": 59.970000000000006, "Payout": "0.1", "Quantity": 3, "Big": 1e400}', "t")
    assert body["Amount"] == Decimal("59.970000000000006") and isinstance(body["Amount"], Decimal)
    assert money(body["Payout"]) + money("0.2") == Decimal("0.3") and money("") is None and money(body["Quantity"]) == 3
    with pytest.raises(TypeError):
        money(0.1)


def test_an_action_is_read_with_its_fields_as_text(sandbox: Sandbox, tmp_path: Path) -> None:
    with client_for(sandbox.url, tmp_path) as client:
        action = client.get(f"Actions/{SEEDED}")
    assert action["Id"] == SEEDED and isinstance(action["Amount"], str) and Decimal(action["Amount"]) > 0
    req = sandbox.requests[-1]
    assert req.path == f"/Advertisers/{SID}/Actions/{SEEDED}" and req.status == 200


def test_pages_are_followed_to_the_end_by_their_relative_links(tmp_path: Path) -> None:
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, data=None, generated=4500,
                 generated_days=5) as sb, client_for(sb.url, tmp_path) as client:
        pages = list(client.pages("Actions", {"CampaignId": CAMPAIGN, "PageSize": "2000"}, "Actions"))
    assert [p.page for p in pages] == [1, 2, 3] and pages[-1].next_uri == ""
    ids = [a["Id"] for p in pages for a in p.records]
    assert len(ids) == len(set(ids)) == pages[0].total
    assert len(_gets(sb, "/Actions")) == 3


def test_unknown_action_is_not_found(sandbox: Sandbox, tmp_path: Path) -> None:
    with client_for(sandbox.url, tmp_path) as client, pytest.raises(ApiNotFound) as info:
        client.get("Actions/1000.4636.999999999")
    assert info.value.exit_code == 3 and "404" in str(info.value)


def test_wrong_credentials_say_which_variables_and_never_show_the_token(sandbox: Sandbox, tmp_path: Path) -> None:
    with client_for(sandbox.url, tmp_path, token="wrong-token-abc") as client, pytest.raises(ApiCredentials) as info:
        client.get(f"Actions/{SEEDED}")
    assert info.value.exit_code == 2 and "check IMPACT_ACCOUNT_SID and IMPACT_AUTH_TOKEN" in str(info.value)
    assert "wrong-token-abc" not in str(info.value) and len(sandbox.requests) == 1  # a 401 is not retried


def test_a_read_only_token_gets_403_on_a_write(tmp_path: Path) -> None:
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, read_only_tokens=("ro-token",)) as sb, \
            client_for(sb.url, tmp_path, token="ro-token") as client:
        assert client.get(f"Actions/{SEEDED}")["Id"] == SEEDED
        with pytest.raises(ApiForbidden, match="this token may not") as info:
            _write(client, "PUT", {"ActionId": SEEDED, "Amount": "1.00", "Reason": "ORDER_UPDATE"})
    assert info.value.exit_code == 2


def test_a_400_carries_the_apis_own_message(sandbox: Sandbox, tmp_path: Path) -> None:
    with client_for(sandbox.url, tmp_path) as client, pytest.raises(ApiRejected) as info:
        client.get("Actions", {"CampaignId": CAMPAIGN, "StartDate": "2026-01-01T00:00:00Z"})  # no EndDate
    assert info.value.status == 400 and "EndDate" in str(info.value)


def test_an_xml_answer_is_a_clear_error(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.faults.xml(times=1)
    with client_for(sandbox.url, tmp_path) as client, pytest.raises(ApiAnswerError, match="answered XML") as info:
        client.get(f"Actions/{SEEDED}")
    assert info.value.exit_code == 3


def test_get_is_retried_after_5xx_and_a_truncated_body(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.faults.fail(status=503, times=2)
    with client_for(sandbox.url, tmp_path) as client:
        assert client.get(f"Actions/{SEEDED}")["Id"] == SEEDED
        assert [r.status for r in _gets(sandbox)] == [503, 503, 200]
        sandbox.faults.truncate(times=1)
        assert client.get(f"Actions/{SEEDED}")["Id"] == SEEDED
    assert len(_gets(sandbox)) == 5  # the truncated answer (sent as a 200) was read again


def test_a_body_truncated_every_time_gives_up_with_one_line(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.faults.truncate(times=10)
    with client_for(sandbox.url, tmp_path, retries=2) as client, pytest.raises(ApiUnreachable) as info:
        client.get(f"Actions/{SEEDED}")
    assert "after 3 attempts" in str(info.value) and info.value.exit_code == 3
    assert len(_gets(sandbox)) == 3


def test_a_stalled_answer_times_out_and_is_retried(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.faults.stall(1.5, times=1)
    start = time.monotonic()
    with client_for(sandbox.url, tmp_path, timeout=0.3) as client:
        assert client.get(f"Actions/{SEEDED}")["Id"] == SEEDED
    assert time.monotonic() - start < 1.4  # it did not wait for the stalled answer


def test_connection_resets_are_retried_for_reads(sandbox: Sandbox, tmp_path: Path) -> None:
    port = int(sandbox.url.rsplit(":", 1)[1])
    with FaultProxy(port, "reset", after=0, faulty=2) as proxy, \
            client_for(f"http://127.0.0.1:{proxy.port}", tmp_path) as client:
        assert client.get(f"Actions/{SEEDED}")["Id"] == SEEDED
    assert proxy.faults == 2


def test_a_refused_connection_is_unreachable_for_reads_and_not_sent_for_writes(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    with client_for(f"http://127.0.0.1:{port}", tmp_path, retries=1) as client:
        with pytest.raises(ApiUnreachable, match="did not answer after 2 attempts"):
            client.get("Actions/1")
        with pytest.raises(NotAccepted, match="not sent"):
            client.send("PUT", "Actions", {"ActionId": "1", "Reason": "ORDER_UPDATE"}, "PUT /Actions")
        answer = _write(client, "PUT", {"ActionId": "1", "Reason": "ORDER_UPDATE"})  # retried: never sent
        assert answer.outcome == "not-sent" and "gave up after 2 tries" in answer.message


def test_writes_are_never_retried_on_an_answer_a_5xx_is_unknown(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.faults.fail(status=503, times=1, path_contains="/Actions")
    form = {"ActionId": SEEDED, "Amount": "80.00", "Reason": "ORDER_UPDATE"}
    with client_for(sandbox.url, tmp_path) as client:
        answer = _write(client, "PUT", form)
        assert (answer.outcome, answer.status) == ("unknown", 503) and "may have been applied" in answer.message
        assert [r.method for r in sandbox.requests] == ["PUT"]
        again = _write(client, "PUT", form)  # only a caller (on the user's word) sends it again
    assert again.outcome == "accepted" and again.body["QueuedUri"].startswith(f"/Advertisers/{SID}/APISubmissions/")


@pytest.mark.parametrize("status,outcome", [(400, "refused"), (404, "refused"), (409, "refused"), (422, "refused"),
                                            (408, "unknown"), (500, "unknown"), (502, "unknown"), (504, "unknown"),
                                            (410, "unknown")])
def test_each_answer_has_one_of_the_three_outcomes(sandbox: Sandbox, tmp_path: Path, status: int,
                                                   outcome: str) -> None:
    sandbox.faults.fail(status=status, times=1, path_contains="/Actions")
    with client_for(sandbox.url, tmp_path) as client:
        answer = _write(client, "PUT", {"ActionId": SEEDED, "Amount": "80.00", "Reason": "ORDER_UPDATE"})
    assert (answer.outcome, answer.status) == (outcome, status) and len(sandbox.requests) == 1


def test_a_write_whose_answer_is_lost_is_unknown_not_resent(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.faults.drop_after_apply(times=1)
    form = {"ActionId": SEEDED, "Amount": "70.00", "Reason": "ORDER_UPDATE"}
    with client_for(sandbox.url, tmp_path) as client:
        answer = _write(client, "PUT", form)
    assert answer.outcome == "unknown" and "answer was lost" in answer.message
    assert [r.method for r in sandbox.requests] == ["PUT"]
    sandbox.settle()
    assert Decimal(sandbox.store.get(SEEDED)["Amount"]) == Decimal("70.00")  # it was queued after all


def test_the_delete_carries_its_form_body(sandbox: Sandbox, tmp_path: Path) -> None:
    with client_for(sandbox.url, tmp_path) as client:
        answer = _write(client, "DELETE", {"ActionId": SEEDED, "DispositionCode": "ITEM_RETURNED"})
        status = client.get(answer.body["QueuedUri"])
    assert sandbox.requests[0].form == {"ActionId": SEEDED, "DispositionCode": "ITEM_RETURNED"}
    assert status["Type"] == "Reversal" and status["Status"] in ("Queued", "In Progress", "Complete")


def _write(client: ApiClient, method: str, form: dict[str, str]) -> Answer:
    """One write through the one write loop's sending step (api/writes.py), as deliver --to api makes it."""
    w = Write(action_change(SID, method, form), method, "Actions", form, f"{method} /Actions", "api", "test")
    return send_once(client, w, accept, client.settings.retries)


def test_the_budget_waits_for_the_reset_instead_of_being_refused(tmp_path: Path) -> None:
    notes: list[str] = []
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, rate=(3, 1.5)) as sb, \
            client_for(sb.url, tmp_path, notes) as client:
        for _ in range(7):
            client.get(f"Actions/{SEEDED}")
    assert [r.status for r in sb.requests] == [200] * 7  # never sent while told to wait: no 429
    assert notes and "waiting" in notes[0] and client.budget.waited > 0


def test_a_429_storm_is_waited_out_and_said(sandbox: Sandbox, tmp_path: Path) -> None:
    notes: list[str] = []
    sandbox.faults.storm(2)
    start = time.monotonic()
    with client_for(sandbox.url, tmp_path, notes) as client:
        assert client.get(f"Actions/{SEEDED}")["Id"] == SEEDED
    assert [r.status for r in sandbox.requests] == [429, 429, 200]
    assert time.monotonic() - start >= 1.9 and len(notes) == 2  # each 429 said Reset 1: waited, and said so


def test_a_next_page_link_to_another_host_is_not_followed(sandbox: Sandbox, tmp_path: Path) -> None:
    from batchkit.api.answers import page_of

    page = page_of({"Actions": [], "@nextpageuri": "https://evil.example.com/Advertisers/X/Actions?Page=2"},
                   "Actions", "t")
    assert page.next_uri.startswith("https://evil")
    client = client_for(sandbox.url, tmp_path)
    client.get = lambda *a, **k: {"Actions": [], "@nextpageuri": "https://evil.example.com/x"}  # type: ignore
    with pytest.raises(ApiAnswerError, match="not followed"):
        list(client.pages("Actions", {}, "Actions"))


def test_an_answer_without_its_list_or_with_a_bad_envelope_is_a_clear_error() -> None:
    from batchkit.api.answers import page_of

    with pytest.raises(ApiAnswerError, match="has no 'Actions'"):
        page_of({"@page": "1"}, "Actions", "GET /Actions")
    with pytest.raises(ApiAnswerError, match="@total is 'many', not a number"):
        page_of({"Actions": [], "@total": "many"}, "Actions", "GET /Actions")
    with pytest.raises(ApiAnswerError, match="not a list of records"):
        page_of({"Actions": "none"}, "Actions", "GET /Actions")
    with pytest.raises(ApiAnswerError, match="not complete JSON"):
        parse_json(b'{"Actions": [{"Id": "1"', "GET /Actions")
