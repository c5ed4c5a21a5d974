from __future__ import annotations

import json

import httpx
import pytest

from ravensearch.instantly.errors import (
    InstantlyAuthError,
    InstantlyConnectionError,
    InstantlyError,
    InstantlyNotFound,
    InstantlyPlanError,
    InstantlyRateLimited,
    InstantlyServerError,
    InstantlyStatusError,
    InstantlyTimeout,
    InstantlyValidationError,
)

SECRET = "sk-live-very-secret"


def _response(status: int, body: object = None, *, headers: dict[str, str] | None = None,
              text: str | None = None) -> httpx.Response:  # fmt: skip
    request = httpx.Request(
        "GET",
        f"https://api.instantly.ai/api/v2/campaigns/abc?search={SECRET}",
        headers={"Authorization": f"Bearer {SECRET}"},
    )
    content = text if text is not None else (json.dumps(body) if body is not None else "")
    return httpx.Response(status, content=content, headers=headers, request=request)


def _envelope(status: int, error: str, message: str) -> dict[str, object]:
    return {"statusCode": status, "error": error, "message": message}


class TestFromResponse:
    @pytest.mark.parametrize(
        ("status", "cls"),
        [
            (400, InstantlyValidationError),
            (401, InstantlyAuthError),
            (402, InstantlyPlanError),
            (403, InstantlyAuthError),
            (404, InstantlyNotFound),
            (409, InstantlyStatusError),
            (422, InstantlyValidationError),
            (429, InstantlyRateLimited),
            (500, InstantlyServerError),
            (502, InstantlyServerError),
            (503, InstantlyServerError),
        ],
    )
    def test_maps_status_to_class(self, status: int, cls: type[InstantlyStatusError]) -> None:
        error = InstantlyStatusError.from_response(_response(status, _envelope(status, "X", "m")))
        assert type(error) is cls
        assert error.status_code == status

    def test_parses_envelope(self) -> None:
        body = _envelope(402, "Payment Required", "Workspace does not have an active paid plan")
        error = InstantlyStatusError.from_response(_response(402, body))
        assert error.error == "Payment Required"
        assert error.message == "Workspace does not have an active paid plan"
        assert error.body == body
        assert (error.method, error.path) == ("GET", "/api/v2/campaigns/abc")

    def test_tolerates_html_body(self) -> None:
        error = InstantlyStatusError.from_response(_response(502, text="<html>Bad gateway</html>"))
        assert isinstance(error, InstantlyServerError)
        assert error.error == "Bad Gateway"
        assert error.message == "<html>Bad gateway</html>"

    def test_tolerates_empty_body(self) -> None:
        error = InstantlyStatusError.from_response(_response(503))
        assert error.message == "Service Unavailable"

    def test_rate_limited_reads_retry_after(self) -> None:
        response = _response(429, _envelope(429, "Too Many Requests", "Rate limit exceeded"),
                             headers={"Retry-After": "7"})  # fmt: skip
        error = InstantlyStatusError.from_response(response)
        assert isinstance(error, InstantlyRateLimited)
        assert error.retry_after == 7.0

    def test_str_is_one_readable_line_without_secrets(self) -> None:
        error = InstantlyStatusError.from_response(
            _response(404, _envelope(404, "Not Found", "Resource not found"))
        )
        text = str(error)
        assert text == "Instantly 404 Not Found: Resource not found (GET /api/v2/campaigns/abc)"
        assert SECRET not in text
        assert SECRET not in repr(error)

    def test_response_without_request(self) -> None:
        error = InstantlyStatusError.from_response(httpx.Response(404, json={"message": "gone"}))
        assert str(error) == "Instantly 404 Not Found: gone"


def test_tree() -> None:
    assert issubclass(InstantlyTimeout, InstantlyConnectionError)
    assert issubclass(InstantlyConnectionError, InstantlyError)
    for cls in (InstantlyAuthError, InstantlyPlanError, InstantlyNotFound,
                InstantlyValidationError, InstantlyRateLimited, InstantlyServerError):  # fmt: skip
        assert issubclass(cls, InstantlyStatusError)
    assert not issubclass(InstantlyStatusError, InstantlyConnectionError)
