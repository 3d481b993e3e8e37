"""A server's metadata and tags: read (one server or a page of them), set, deleted."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.compute.addresses import chunks
from cheptel.compute.models import Server, ServerMetadata, ServerTag
from cheptel.compute.service import quotas
from cheptel.errors import BadRequest, NotFound


def metadata_of(db: Session, server_id: str) -> dict[str, str]:
    q = select(ServerMetadata).where(ServerMetadata.server_id == server_id)
    return {m.key: m.value for m in db.scalars(q)}


def metadata_of_servers(db: Session, server_ids: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {sid: {} for sid in server_ids}
    for chunk in chunks(server_ids):
        q = select(ServerMetadata.server_id, ServerMetadata.key, ServerMetadata.value).where(
            ServerMetadata.server_id.in_(chunk))
        for sid, key, value in db.execute(q).tuples():
            out[sid][key] = value
    return out


def set_metadata(db: Session, server: Server, items: dict[str, str], replace: bool) -> dict:
    current = {} if replace else metadata_of(db, server.id)
    current.update(items)
    quotas.check_metadata(db, server.project_id, len(current))
    for row in db.scalars(select(ServerMetadata).where(ServerMetadata.server_id == server.id)):
        db.delete(row)
    db.flush()
    db.add_all(ServerMetadata(server_id=server.id, key=k, value=v) for k, v in current.items())
    db.flush()
    return current


def delete_metadata(db: Session, server: Server, key: str) -> None:
    row = db.get(ServerMetadata, (server.id, key))
    if row is None:
        raise NotFound("Metadata item was not found")
    db.delete(row)


def tags_of(db: Session, server_id: str) -> set[str]:
    return set(db.scalars(select(ServerTag.tag).where(ServerTag.server_id == server_id)))


def tags_of_servers(db: Session, server_ids: list[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {sid: set() for sid in server_ids}
    for chunk in chunks(server_ids):
        q = select(ServerTag.server_id, ServerTag.tag).where(ServerTag.server_id.in_(chunk))
        for sid, tag in db.execute(q).tuples():
            out[sid].add(tag)
    return out


MAX_TAGS = 50


def set_tags(db: Session, server: Server, tags: list[str]) -> list[str]:
    if len(set(tags)) > MAX_TAGS:
        raise BadRequest(f"The number of tags exceeded the per-server limit {MAX_TAGS}")
    for row in db.scalars(select(ServerTag).where(ServerTag.server_id == server.id)):
        db.delete(row)
    db.flush()
    db.add_all(ServerTag(server_id=server.id, tag=t) for t in set(tags))
    db.flush()
    return sorted(set(tags))


def add_tag(db: Session, server: Server, tag: str) -> bool:
    have = tags_of(db, server.id)
    if tag in have:
        return False
    if len(have) >= MAX_TAGS:
        raise BadRequest(f"The number of tags exceeded the per-server limit {MAX_TAGS}")
    db.add(ServerTag(server_id=server.id, tag=tag))
    return True


def delete_tag(db: Session, server: Server, tag: str) -> None:
    row = db.get(ServerTag, (server.id, tag))
    if row is None:
        raise NotFound(f"Tag '{tag}' could not be found.")
    db.delete(row)
