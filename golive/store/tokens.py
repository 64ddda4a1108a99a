"""The server's API tokens in the history database.

A token is ``glv_<id>_<secret>``: the id finds the row, the secret (32 random bytes) is kept
only as its SHA-256 digest and compared in constant time. A slow password hash (argon2) buys
nothing here: it protects guessable passwords, and 256 random bits cannot be guessed or looked
up, so a fast digest is as strong and costs no CPU per upload. Tokens are shown once, when
created, and can be revoked; an upload token is bound to one project, an admin token to none.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from golive.exceptions import StoreError
from golive.store import Store, _aware
from golive.store.schema import tokens as tokens_t

KINDS = ("upload", "admin")
_FORMAT = re.compile(r"^glv_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$")


@dataclass(frozen=True)
class Token:
    id: str
    kind: str
    project: str | None
    note: str
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    def allows(self, project: str) -> bool:
        return self.revoked_at is None and (self.kind == "admin" or self.project == project)

    def to_dict(self) -> dict[str, str | None]:
        return {"id": self.id, "kind": self.kind, "project": self.project, "note": self.note,
                "created_at": self.created_at.isoformat(),
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
                "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None}


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(store: Store, kind: str, project: str | None = None, note: str = ""
                 ) -> tuple[Token, str]:
    """A new token and its text (shown once: only the digest is kept)."""
    if kind not in KINDS:
        raise StoreError(f"token kind {kind!r}: use one of {', '.join(KINDS)}")
    if kind == "upload" and not project:
        raise StoreError("an upload token belongs to a project: pass --project NAME")
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        conn.execute(tokens_t.insert().values(
            id=token_id, kind=kind, project=project if kind == "upload" else None,
            digest=_digest(secret), note=note, created_at=now))
    return (Token(token_id, kind, project if kind == "upload" else None, note, now),
            f"glv_{token_id}_{secret}")


def _token(row: sa.RowMapping) -> Token:
    return Token(row["id"], row["kind"], row["project"], row["note"],
                 _aware(row["created_at"]),  # type: ignore[arg-type]
                 _aware(row["revoked_at"]), _aware(row["last_used_at"]))


def verify_token(store: Store, text: str) -> Token | None:
    """The token ``text`` names when its secret matches and it is not revoked, else None."""
    match = _FORMAT.match(text.strip())
    if match is None:
        return None
    token_id, secret = match.groups()
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(tokens_t).where(tokens_t.c.id == token_id)
                           ).mappings().first()
    if row is None:
        hmac.compare_digest(_digest(secret), _digest(""))  # the same work either way
        return None
    if not hmac.compare_digest(_digest(secret), row["digest"]) or row["revoked_at"]:
        return None
    with store.engine.begin() as conn:
        conn.execute(tokens_t.update().where(tokens_t.c.id == token_id)
                     .values(last_used_at=datetime.now(UTC)))
    return _token(row)


def revoke_token(store: Store, token_id: str) -> Token:
    token_id = token_id.removeprefix("glv_").split("_")[0]
    with store.engine.begin() as conn:
        done = conn.execute(tokens_t.update().where(tokens_t.c.id == token_id,
                                                    tokens_t.c.revoked_at.is_(None))
                            .values(revoked_at=datetime.now(UTC)))
        row = conn.execute(sa.select(tokens_t).where(tokens_t.c.id == token_id)
                           ).mappings().first()
    if row is None:
        raise StoreError(f"no token {token_id!r} ('golive server token list' lists them)")
    if not done.rowcount and row["revoked_at"] is None:  # pragma: no cover - a race
        raise StoreError(f"token {token_id} could not be revoked")
    return _token(row)


def list_tokens(store: Store) -> list[Token]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(tokens_t).order_by(tokens_t.c.created_at)
                            ).mappings().all()
    return [_token(r) for r in rows]
