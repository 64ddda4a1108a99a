"""An admin login the way Django's is built: GET /admin/login/ serves a form with a CSRF token
(also set as a cookie), POST checks both and redirects to /admin/ on success, answers the form
again otherwise."""

from __future__ import annotations

import secrets

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route


def app(password: str) -> Starlette:
    def form(token: str, error: str = "") -> str:
        return ("<!doctype html><html><body><h1>Site administration</h1>"
                f"<p class='errornote'>{error}</p><form method='post' action='/admin/login/'>"
                f"<input type='hidden' name='csrfmiddlewaretoken' value='{token}'>"
                "<input type='text' name='username'><input type='password' name='password'>"
                "<input type='hidden' name='next' value='/admin/'>"
                "<input type='submit' value='Log in'></form></body></html>")

    async def login(request: Request) -> Response:
        if request.method == "GET":
            token = secrets.token_hex(16)
            response = HTMLResponse(form(token))
            response.set_cookie("csrftoken", token)
            return response
        body = (await request.body()).decode()
        from urllib.parse import parse_qs

        data = {k: v[0] for k, v in parse_qs(body).items()}
        if data.get("csrfmiddlewaretoken") != request.cookies.get("csrftoken"):
            return HTMLResponse("CSRF verification failed", 403)
        if data.get("username") == "admin" and data.get("password") == password:
            return RedirectResponse("/admin/", 302)
        return HTMLResponse(form(request.cookies.get("csrftoken", ""), "Please enter the "
                                 "correct username and password"))

    return Starlette(routes=[Route("/admin/login/", login, methods=["GET", "POST"])])
