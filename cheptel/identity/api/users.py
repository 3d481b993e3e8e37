"""Users, passwords, groups and membership."""

from __future__ import annotations

from cheptel.identity import schemas, views
from cheptel.identity.api.common import base, crud, filters, rounds
from cheptel.identity.service import extras, roles, users
from cheptel.validation import check
from cheptel.web import Ctx, Reply, Route


def list_users(ctx: Ctx) -> dict:
    items = [views.user(base(ctx), u)
             for u in users.list_users(ctx.db, filters(ctx, ("name", "domain_id", "enabled")))]
    return views.collection(base(ctx), "users", "users", items)


def _default_domain(ctx: Ctx) -> str:
    assert ctx.creds is not None
    return ctx.creds.project_domain_id or ctx.creds.domain_id or "default"


def create_user(ctx: Ctx) -> Reply:
    body = check(schemas.user_create, ctx.body, "user")
    u = users.create_user(
        ctx.db, ctx.now, rounds(ctx), name=body["name"],
        domain_id=body.get("domain_id") or _default_domain(ctx), password=body.get("password"),
        enabled=body.get("enabled", True), email=body.get("email"),
        description=body.get("description"), default_project_id=body.get("default_project_id"))
    extras.merge(ctx.db, u, schemas.extra_of(schemas.user_create, body))
    return Reply({"user": views.user(base(ctx), u)}, status=201)


def get_user(ctx: Ctx) -> dict:
    return {"user": views.user(base(ctx), users.get_user(ctx.db, ctx.params["user_id"]))}


def update_user(ctx: Ctx) -> dict:
    body = check(schemas.user_update, ctx.body, "user")
    schemas.check_same_id(body, ctx.params["user_id"])
    u = users.update_user(ctx.db, users.get_user(ctx.db, ctx.params["user_id"]), body,
                          rounds(ctx))
    extras.merge(ctx.db, u, schemas.extra_of(schemas.user_update, body))
    return {"user": views.with_extra_dict(views.user(base(ctx), u), u)}


def delete_user(ctx: Ctx) -> None:
    users.delete_user(ctx.db, users.get_user(ctx.db, ctx.params["user_id"]))


def change_password(ctx: Ctx) -> None:
    body = check(schemas.password_change, ctx.body, "user")
    users.change_password(ctx.db, users.get_user(ctx.db, ctx.params["user_id"]),
                          body["original_password"], body["password"], rounds(ctx))


def user_projects(ctx: Ctx) -> dict:
    u = users.get_user(ctx.db, ctx.params["user_id"])
    items = [views.project(base(ctx), ctx.db, p) for p in roles.user_projects(ctx.db, u.id)]
    return views.collection(base(ctx), f"users/{u.id}/projects", "projects", items)


def user_groups(ctx: Ctx) -> dict:
    u = users.get_user(ctx.db, ctx.params["user_id"])
    items = [views.group(base(ctx), g) for g in users.groups_of(ctx.db, u.id)]
    return views.collection(base(ctx), f"users/{u.id}/groups", "groups", items)


def list_groups(ctx: Ctx) -> dict:
    items = [views.group(base(ctx), g)
             for g in users.list_groups(ctx.db, filters(ctx, ("name", "domain_id")))]
    return views.collection(base(ctx), "groups", "groups", items)


def create_group(ctx: Ctx) -> Reply:
    body = check(schemas.group_create, ctx.body, "group")
    g = users.create_group(ctx.db, body["name"], body.get("domain_id") or _default_domain(ctx),
                           body.get("description") or "")
    extras.merge(ctx.db, g, schemas.extra_of(schemas.group_create, body))
    return Reply({"group": views.group(base(ctx), g)}, status=201)


def get_group(ctx: Ctx) -> dict:
    return {"group": views.group(base(ctx), users.get_group(ctx.db, ctx.params["group_id"]))}


def update_group(ctx: Ctx) -> dict:
    body = check(schemas.group_update, ctx.body, "group")
    schemas.check_same_id(body, ctx.params["group_id"])
    g = users.update_group(ctx.db, users.get_group(ctx.db, ctx.params["group_id"]), body)
    extras.merge(ctx.db, g, schemas.extra_of(schemas.group_update, body))
    return {"group": views.group(base(ctx), g)}


def delete_group(ctx: Ctx) -> None:
    users.delete_group(ctx.db, users.get_group(ctx.db, ctx.params["group_id"]))


def group_users(ctx: Ctx) -> dict:
    g = users.get_group(ctx.db, ctx.params["group_id"])
    items = [views.user(base(ctx), u) for u in users.group_members(ctx.db, g.id)]
    return views.collection(base(ctx), f"groups/{g.id}/users", "users", items)


def _pair(ctx: Ctx) -> tuple:
    return (users.get_group(ctx.db, ctx.params["group_id"]),
            users.get_user(ctx.db, ctx.params["user_id"]))


def add_member(ctx: Ctx) -> None:
    users.add_member(ctx.db, *_pair(ctx))


def check_member(ctx: Ctx) -> None:
    users.check_member(ctx.db, *_pair(ctx))


def remove_member(ctx: Ctx) -> None:
    users.remove_member(ctx.db, *_pair(ctx))


ROUTES: list[Route] = [
    *crud("/v3/users", "user_id", "user", "users",
          (list_users, create_user, get_user, update_user, delete_user)),
    Route("POST", "/v3/users/{user_id}/password", change_password, "identity:change_password", 204),
    Route("GET", "/v3/users/{user_id}/projects", user_projects, "identity:list_user_projects"),
    Route("GET", "/v3/users/{user_id}/groups", user_groups, "identity:list_groups_for_user"),
    *crud("/v3/groups", "group_id", "group", "groups",
          (list_groups, create_group, get_group, update_group, delete_group)),
    Route("GET", "/v3/groups/{group_id}/users", group_users, "identity:list_users_in_group"),
    Route("PUT", "/v3/groups/{group_id}/users/{user_id}", add_member,
          "identity:add_user_to_group", 204),
    Route("GET", "/v3/groups/{group_id}/users/{user_id}", check_member,
          "identity:check_user_in_group", 204),
    Route("DELETE", "/v3/groups/{group_id}/users/{user_id}", remove_member,
          "identity:remove_user_from_group", 204),
]
