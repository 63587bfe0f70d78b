"""Accounts: create users, check credentials. Services flush, never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, needs_rehash, verify_password


class AccountError(ValueError):
    """Bad input for an account operation; the message says what to fix."""


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.execute(select(User).where(User.email == normalize_email(email))).scalar_one_or_none()


def create_user(session: Session, email: str, password: str, *, name: str = "", is_operator: bool = False) -> User:
    email = normalize_email(email)
    if "@" not in email or len(email) > 320:
        raise AccountError(f"'{email}' is not an e-mail address.")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if find_user(session, email) is not None:
        raise AccountError(f"A user with the e-mail {email} already exists.")
    user = User(email=email, password_hash=hash_password(password), name=name, is_operator=is_operator)
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    user.password_hash = hash_password(password)


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user if the e-mail and password match an active account; constant work either way."""
    user = find_user(session, email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.is_active_account:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user
