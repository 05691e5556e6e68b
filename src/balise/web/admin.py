"""Administration of user accounts of the admin's establishment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.accounts.models import User
from balise.accounts.service import create_user
from balise.core.access import Role, Viewer
from balise.core.errors import InvalidInput
from balise.web.access import Allow, db_session
from balise.web.templating import render

router = APIRouter()


def _users(db: Session, viewer: Viewer) -> list[User]:
    return list(db.scalars(select(User).where(User.establishment_id == viewer.establishment_id)
                           .order_by(User.role, User.username)))


@router.get("/admin/users")
def users_page(
    request: Request,
    viewer: Annotated[Viewer, Depends(Allow(Role.ADMIN))],
    db: Annotated[Session, Depends(db_session)],
) -> Response:
    return render(request, "accounts/users.html", {"users": _users(db, viewer), "roles": Role})


@router.post("/admin/users")
def add_user(
    request: Request,
    viewer: Annotated[Viewer, Depends(Allow(Role.ADMIN))],
    db: Annotated[Session, Depends(db_session)],
    username: Annotated[str, Form(max_length=80)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    try:
        if role not in {r.value for r in Role}:
            raise InvalidInput("role", "unknown_choice")
        create_user(db, username=username, password=password, role=Role(role),
                    establishment_id=viewer.establishment_id, display_name=display_name)
    except InvalidInput as error:
        db.rollback()
        return render(request, "accounts/users.html", {
            "users": _users(db, viewer), "roles": Role, "error": error,
            "form": {"username": username, "display_name": display_name, "role": role},
        }, status=400)
    return RedirectResponse("/admin/users", status_code=303)
