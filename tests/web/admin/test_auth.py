"""Login, sessions, CSRF and roles of the admin UI."""

from __future__ import annotations

import httpx
from bs4 import BeautifulSoup

from ravensearch.db.models import Role, User
from ravensearch.db.session import unit_of_work
from ravensearch.kit.clock import utcnow
from ravensearch.runtime import Runtime
from ravensearch.web.admin.sessions import SESSION_COOKIE
from tests.fixtures.admin import PASSWORD, AdminClient, UserFactory


class TestLogin:
    async def test_page_renders_with_a_csrf_field(self, anon: AdminClient) -> None:
        response = await anon.page("/login?next=/settings")
        assert response.status_code == 200
        assert response.template.name == "login.html"
        assert response.context["page"].next == "/settings"
        soup = BeautifulSoup(response.text, "html.parser")
        assert soup.select_one("input[name=csrf_token]")["value"] == anon.csrf_token
        assert soup.find("label", string="Email")
        assert soup.find("label", string="Password")

    async def test_wrong_password_then_right(
        self, anon: AdminClient, make_user: UserFactory
    ) -> None:
        user = await make_user(Role.admin, email="Boss@Example.com")
        wrong = await anon.login("boss@example.com", "not the password")
        assert wrong.status_code == 401
        assert wrong.context["page"].error == "Wrong email or password."
        assert wrong.context["page"].email == "boss@example.com"
        right = await anon.submit("/login", {"email": " BOSS@example.com", "password": PASSWORD})
        assert right.status_code == 303
        assert right.headers["location"] == "/"
        cookie = right.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        home = await anon.page("/outreach/campaigns")
        assert home.status_code == 200
        assert home.context["user"].id == user.id

    async def test_goes_back_to_next_but_never_off_site(
        self, anon: AdminClient, make_user: UserFactory
    ) -> None:
        user = await make_user()
        await anon.get("/login")
        form = {"email": user.email, "password": PASSWORD}
        inside = await anon.submit("/login", {**form, "next": "/settings"})
        assert inside.headers["location"] == "/settings"
        outside = await anon.submit("/login", {**form, "next": "https://evil.example/x"})
        assert outside.headers["location"] == "/x"
        loop = await anon.submit("/login", {**form, "next": "/login?next=/login"})
        assert loop.headers["location"] == "/"
        scheme_relative = await anon.submit("/login", {**form, "next": "//evil.example"})
        assert scheme_relative.headers["location"] == "/"

    async def test_disabled_user_is_refused(
        self, anon: AdminClient, make_user: UserFactory, runtime: Runtime
    ) -> None:
        user = await make_user()
        async with unit_of_work(runtime.sessionmaker) as session:
            (await session.get(User, user.id)).disabled_at = utcnow()  # type: ignore[union-attr]
        assert (await anon.login(user.email)).status_code == 401

    async def test_rate_limited_after_five_failures(
        self, anon: AdminClient, make_user: UserFactory
    ) -> None:
        user = await make_user()
        for _ in range(5):
            assert (await anon.login(user.email, "nope")).status_code == 401
        limited = await anon.login(user.email, PASSWORD)  # even the right password waits
        assert limited.status_code == 429
        assert limited.context["page"].error == "Too many attempts, try again in 5 minutes."
        other = await anon.login(f"x{user.email}", "nope")  # another email is not blocked
        assert other.status_code == 401


class TestSession:
    async def test_pages_send_you_to_login(self, anon: AdminClient) -> None:
        response = await anon.page("/outreach/campaigns?page=2")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/outreach/campaigns%3Fpage%3D2"

    async def test_htmx_gets_an_hx_redirect_to_the_page_it_came_from(
        self, anon: AdminClient
    ) -> None:
        response = await anon.get(
            "/outreach/notifications/badge",
            headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/settings"},
        )
        assert response.status_code == 200
        assert response.headers["hx-redirect"] == "/login?next=/settings"

    async def test_a_forged_cookie_is_not_a_session(self, admin: AdminClient) -> None:
        admin.cookies.set(SESSION_COOKIE, admin.cookies[SESSION_COOKIE][:-2] + "xx")
        assert (await admin.page("/settings")).status_code == 303

    async def test_a_new_password_ends_old_sessions(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        user = (await admin.page("/settings")).context["user"]
        async with unit_of_work(runtime.sessionmaker) as session:
            row = await session.get(User, user.id)
            assert row is not None
            row.password_hash = "$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$c29tZWhhc2g"
        assert (await admin.page("/settings")).status_code == 303

    async def test_logout(self, admin: AdminClient) -> None:
        response = await admin.submit("/logout")
        assert response.status_code == 303
        assert response.headers["location"] == "/login"
        assert (await admin.page("/settings")).status_code == 303
        login = await admin.page("/login")
        assert [t.message for t in login.context["toasts"]] == ["You are signed out."]
        again = await admin.page("/login")  # a flash shows once
        assert again.context["toasts"] == []


class TestCsrf:
    async def test_post_without_token_is_refused(self, admin: AdminClient) -> None:
        response = await admin.submit("/outreach/notifications/read-all", csrf=False)
        assert response.status_code == 403
        assert response.template.name == "errors/error.html"
        assert "did not come from this site" in response.context["page"].message

    async def test_htmx_post_with_a_wrong_token_gets_a_toast(self, admin: AdminClient) -> None:
        response = await admin.post(
            "/outreach/notifications/read-all",
            headers={"HX-Request": "true", "X-CSRF-Token": "guess"},
        )
        assert response.status_code == 403
        assert response.headers["hx-reswap"] == "none"
        toast = BeautifulSoup(response.text, "html.parser").select_one(
            "#toasts[hx-swap-oob] .toast"
        )
        assert toast is not None
        assert "Reload the page" in toast.text

    async def test_login_needs_the_token_too(
        self, anon: AdminClient, make_user: UserFactory
    ) -> None:
        user = await make_user()
        await anon.get("/login")
        response = await anon.submit(
            "/login", {"email": user.email, "password": PASSWORD}, csrf=False
        )
        assert response.status_code == 403

    async def test_token_from_the_page_header_works(self, admin: AdminClient) -> None:
        page = await admin.page("/outreach/notifications")
        body = BeautifulSoup(page.text, "html.parser").body
        assert body is not None
        headers = {"HX-Request": "true", **__import__("json").loads(body["hx-headers"])}
        response = await admin.post("/outreach/notifications/read-all", headers=headers)
        assert response.status_code == 200
        assert response.headers["hx-redirect"] == "/outreach/notifications"


class TestRoles:
    async def test_viewer_can_look(self, viewer: AdminClient) -> None:
        for url in ("/outreach/campaigns", "/outreach/notifications", "/settings"):
            response = await viewer.page(url)
            assert response.status_code == 200, url
            assert response.context["is_admin"] is False

    async def test_viewer_cannot_act(self, viewer: AdminClient) -> None:
        response = await viewer.submit("/outreach/notifications/read-all")
        assert response.status_code == 403
        assert response.context["page"].message == "Viewers can look, not act."
        htmx = await viewer.submit("/settings/webhook-secret/rotate", htmx=True)
        assert htmx.status_code == 403
        assert "Viewers can look, not act." in htmx.text


class TestErrorPages:
    async def test_unknown_page_is_a_friendly_404(self, admin: AdminClient) -> None:
        response = await admin.page("/no/such/page")
        assert response.status_code == 404
        assert response.template.name == "errors/error.html"
        assert response.context["page"].title == "Page not found"

    async def test_api_errors_stay_json(self, admin: AdminClient) -> None:
        response = await admin.get("/api/no-such-thing")
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"

    async def test_a_bad_id_in_the_path_is_a_404(self, admin: AdminClient) -> None:
        response = await admin.page("/outreach/campaigns/not-a-uuid")
        assert response.status_code == 404
        assert response.template.name == "errors/error.html"

    async def test_a_crash_is_a_500_page_without_a_trace(self, app, make_user: UserFactory) -> None:
        async def boom() -> None:
            raise RuntimeError("secret internals")

        app.add_api_route("/boom", boom)
        user = await make_user()
        async with AdminClient(app) as client:
            await client.login(user.email)
            client._transport = httpx.ASGITransport(app=client._capture, raise_app_exceptions=False)
            response = await client.page("/boom")
        assert response.status_code == 500
        assert "it is logged" in response.text
        assert "secret internals" not in response.text
        assert "Traceback" not in response.text
