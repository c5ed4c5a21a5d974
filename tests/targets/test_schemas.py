from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ravensearch.targets.schemas import TargetCreate, TargetFilters


def _messages(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [error["msg"] for error in exc.value.errors()]


class TestTargetCreate:
    def test_normalises_every_field(self) -> None:
        data = TargetCreate.model_validate(
            {
                "businessName": "  Acme Heating  ",
                "firstName": " Pat ",
                "lastName": "",
                "email": " Pat@Acme.COM ",
                "phone": "(512) 555-0100",
                "website": "www.acme.com",
                "state": "tx",
                "zip": "78701",
                "trade": "HVAC",
            }
        )
        assert data.model_dump(exclude_none=True) == {
            "business_name": "Acme Heating",
            "first_name": "Pat",
            "email": "pat@acme.com",
            "phone": "(512) 555-0100",
            "website": "https://www.acme.com",
            "state": "TX",
            "zip": "78701",
            "trade": "hvac",
        }

    @pytest.mark.parametrize(
        ("spelling", "trade"),
        [
            ("Plumber", "plumbing"),
            ("electrician", "electrical"),
            ("appliance repair", "appliance_repair"),
            ("General Contractor", "general_contractor"),
            ("garage-door", "garage_door"),
        ],
    )
    def test_maps_trade_spellings(self, spelling: str, trade: str) -> None:
        assert TargetCreate(business_name="Acme", trade=spelling).trade == trade

    @pytest.mark.parametrize(
        ("values", "message"),
        [
            ({"businessName": "   "}, "missing business name"),
            ({"email": "x@"}, "invalid email 'x@'"),
            ({"state": "ZZ"}, "unknown state 'ZZ'"),
            ({"zip": "1234"}, "invalid zip '1234'"),
            ({"trade": "baker"}, "Unknown trade 'baker'. Allowed trades: hvac, plumbing,"),
            ({"website": "not a site"}, "invalid website 'not a site'"),
            ({"firstName": "x" * 121}, "at most 120 characters"),
        ],
    )
    def test_rejects_with_a_reason(self, values: dict[str, Any], message: str) -> None:
        with pytest.raises(ValidationError) as exc:
            TargetCreate.model_validate({"businessName": "Acme"} | values)
        assert any(message in text for text in _messages(exc)), _messages(exc)

    def test_unknown_fields_are_refused(self) -> None:
        with pytest.raises(ValidationError):
            TargetCreate.model_validate({"businessName": "Acme", "colour": "red"})


class TestTargetFilters:
    def test_normalises_trade_and_state(self) -> None:
        filters = TargetFilters.model_validate({"trade": "Roofer", "state": "ca", "q": "  "})
        assert (filters.trade, filters.state, filters.q) == ("roofing", "CA", None)
