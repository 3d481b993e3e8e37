"""Domains, projects and project tags."""

from __future__ import annotations

from cheptel.common import flag
from cheptel.errors import NotFound, ValidationError
from cheptel.identity import schemas, views
from cheptel.identity.api.common import base, crud, filters
from cheptel.identity.models import Domain, Project
from cheptel.identity.service import extras, resources, roles
from cheptel.validation import check
from cheptel.web import Ctx, Reply, Route


def list_domains(ctx: Ctx) -> dict:
    f = filters(ctx, ("name", "enabled"))
    items = [views.domain(base(ctx), d) for d in resources.list_domains(
        ctx.db, f.get("name"), f.get("enabled"))]  # type: ignore[arg-type]
    return views.collection(base(ctx), "domains", "domains", items)


def create_domain(ctx: Ctx) -> Reply:
    body = check(schemas.domain_create, ctx.body, "domain")
    d = resources.create_domain(ctx.db, body["name"], body.get("description") or "",
                                body.get("enabled", True),
                                body.get("explicit_domain_id") or body.get("id"))
    extras.merge(ctx.db, d, _domain_extra(schemas.domain_create, body))
    return Reply({"domain": views.domain(base(ctx), d)}, status=201)


def _domain_extra(schema: dict, body: dict) -> dict:
    # domain tags are kept as given (cheptel models tags on projects only)
    tags = {"tags": sorted(set(body["tags"]))} if body.get("tags") is not None else {}
    return {**schemas.extra_of(schema, body), **tags}


def get_domain(ctx: Ctx) -> dict:
    return {"domain": views.domain(base(ctx), resources.get_domain(ctx.db,
                                                                    ctx.params["domain_id"]))}


def update_domain(ctx: Ctx) -> dict:
    body = check(schemas.domain_update, ctx.body, "domain")
    schemas.check_same_id(body, ctx.params["domain_id"])
    d = resources.update_domain(ctx.db, resources.get_domain(ctx.db, ctx.params["domain_id"]),
                                body)
    extras.merge(ctx.db, d, _domain_extra(schemas.domain_update, body))
    return {"domain": views.domain(base(ctx), d)}


def delete_domain(ctx: Ctx) -> None:
    resources.delete_domain(ctx.db, resources.get_domain(ctx.db, ctx.params["domain_id"]))


def _tag_filters(ctx: Ctx) -> dict[str, list[str]]:
    return {k: [t for v in ctx.query_multi.get(k, []) for t in v.split(",") if t]
            for k in ("tags", "tags-any", "not-tags", "not-tags-any")}


# Keystone's domains are projects acting as domains (is_domain): the project routes
# also create, show, update and delete them, rendered as projects.

def _acting_domain(ctx: Ctx) -> Domain | None:
    """The domain a /v3/projects/{project_id} URL names, if it names no project."""
    pid = ctx.params["project_id"]
    return ctx.db.get(Domain, pid) if ctx.db.get(Project, pid) is None else None


def list_projects(ctx: Ctx) -> dict:
    f = filters(ctx, ("name", "domain_id", "enabled", "parent_id"))
    if "is_domain" in ctx.query and flag(ctx.query, "is_domain"):
        items: list = [views.domain_as_project(base(ctx), d) for d in resources.list_domains(
            ctx.db, f.get("name"), f.get("enabled"))]  # type: ignore[arg-type]
    else:
        items = [views.project(base(ctx), ctx.db, p)
                 for p in resources.list_projects(ctx.db, f, _tag_filters(ctx))]
    return views.collection(base(ctx), "projects", "projects", items)


def create_project(ctx: Ctx) -> Reply:
    body = check(schemas.project_create, ctx.body, "project")
    if body.get("is_domain"):
        if body.get("parent_id"):
            raise ValidationError("parent_id", "only root projects are allowed to act as "
                                  "domains")
        d = resources.create_domain(ctx.db, body["name"], body.get("description") or "",
                                    body.get("enabled", True))
        extras.merge(ctx.db, d, schemas.extra_of(schemas.project_create, body))
        return Reply({"project": views.domain_as_project(base(ctx), d)}, status=201)
    parent_id = body.get("parent_id")
    domain_id = body.get("domain_id")
    if not domain_id:
        parent = resources.get_project(ctx.db, parent_id) if parent_id else None
        domain_id = parent.domain_id if parent else (
            ctx.creds.project_domain_id or ctx.creds.domain_id or "default")  # type: ignore[union-attr]
    if parent_id == domain_id:
        parent_id = None  # Keystone: a top-level project's parent is its domain
    p = resources.create_project(ctx.db, body["name"], domain_id,
                                 description=body.get("description") or "",
                                 enabled=body.get("enabled", True), parent_id=parent_id,
                                 tags=body.get("tags"))
    extras.merge(ctx.db, p, schemas.extra_of(schemas.project_create, body))
    return Reply({"project": views.project(base(ctx), ctx.db, p)}, status=201)


def get_project(ctx: Ctx) -> dict:
    domain = _acting_domain(ctx)
    if domain is not None:
        return {"project": views.domain_as_project(base(ctx), domain)}
    p = resources.get_project(ctx.db, ctx.params["project_id"])
    body = views.project(base(ctx), ctx.db, p)
    _expand(ctx, p, body)
    return {"project": body}


def _expand(ctx: Ctx, p: Project, body: dict) -> None:
    """keystone.api.projects.ProjectResource._expand_project_ref: parents and subtree as
    lists of the projects the caller has a role on, or as nested ids (all of them)."""
    asked = {name: flag(ctx.query, name) for name in (
        "parents_as_list", "parents_as_ids", "subtree_as_list", "subtree_as_ids")}
    if asked["parents_as_list"] and asked["parents_as_ids"]:
        raise ValidationError(None, "Cannot use parents_as_list and parents_as_ids query "
                              "params at the same time.")
    if asked["subtree_as_list"] and asked["subtree_as_ids"]:
        raise ValidationError(None, "Cannot use subtree_as_list and subtree_as_ids query "
                              "params at the same time.")
    if not any(asked.values()):
        return
    assert ctx.creds is not None
    mine = {q.id for q in roles.user_projects(ctx.db, ctx.creds.user_id)}
    if asked["parents_as_list"]:
        body["parents"] = [{"project": views.project(base(ctx), ctx.db, q)}
                           for q in resources.parents(ctx.db, p) if q.id in mine]
    elif asked["parents_as_ids"]:
        nested: dict | None = {p.domain_id: None}  # the domain acting as the top project
        for q in reversed(resources.parents(ctx.db, p)):
            nested = {q.id: nested}
        body["parents"] = nested
    if asked["subtree_as_list"]:
        body["subtree"] = [{"project": views.project(base(ctx), ctx.db, q)}
                           for q in resources.subtree(ctx.db, p.id) if q.id in mine]
    elif asked["subtree_as_ids"]:
        below: dict[str, list[str]] = {}
        for q in resources.subtree(ctx.db, p.id):
            below.setdefault(q.parent_id or "", []).append(q.id)

        def tree(pid: str) -> dict | None:
            return {c: tree(c) for c in below[pid]} if pid in below else None
        body["subtree"] = tree(p.id)


def update_project(ctx: Ctx) -> dict:
    body = check(schemas.project_update, ctx.body, "project")
    schemas.check_same_id(body, ctx.params["project_id"])
    domain = _acting_domain(ctx)
    if domain is not None:
        if body.get("is_domain") is False or body.get("domain_id") or body.get("parent_id"):
            raise ValidationError("is_domain", "a project acting as a domain stays one")
        d = resources.update_domain(ctx.db, domain, body)
        extras.merge(ctx.db, d, schemas.extra_of(schemas.project_update, body))
        return {"project": views.domain_as_project(base(ctx), d)}
    p = resources.get_project(ctx.db, ctx.params["project_id"])
    if body.get("parent_id") == p.domain_id and p.parent_id is None:
        body.pop("parent_id")
    p = resources.update_project(ctx.db, p, body)
    extras.merge(ctx.db, p, schemas.extra_of(schemas.project_update, body))
    return {"project": views.with_extra_dict(views.project(base(ctx), ctx.db, p), p)}


def delete_project(ctx: Ctx) -> None:
    domain = _acting_domain(ctx)
    if domain is not None:
        return resources.delete_domain(ctx.db, domain)
    resources.delete_project(ctx.db, resources.get_project(ctx.db, ctx.params["project_id"]))


def list_tags(ctx: Ctx) -> dict:
    p = resources.get_project(ctx.db, ctx.params["project_id"])
    return {"tags": resources.tags_of(ctx.db, p.id)}


def replace_tags(ctx: Ctx) -> dict:
    body = check(schemas.tags_put, ctx.body)
    p = resources.get_project(ctx.db, ctx.params["project_id"])
    return {"tags": resources.set_tags(ctx.db, p, body["tags"])}


def clear_tags(ctx: Ctx) -> None:
    resources.set_tags(ctx.db, resources.get_project(ctx.db, ctx.params["project_id"]), [])


def check_tag(ctx: Ctx) -> Reply:
    p = resources.get_project(ctx.db, ctx.params["project_id"])
    if ctx.params["tag"] not in resources.tags_of(ctx.db, p.id):
        raise NotFound(f"Tag {ctx.params['tag']} not found on project {p.id}.")
    return Reply(None, status=204)


def add_tag(ctx: Ctx) -> Reply:
    tag = ctx.params["tag"]
    check(schemas.TAG, tag)
    resources.add_tag(ctx.db, resources.get_project(ctx.db, ctx.params["project_id"]), tag)
    return Reply(None, status=201, headers={
        "Location": f"{base(ctx)}/v3/projects/{ctx.params['project_id']}/tags/{tag}"})


def remove_tag(ctx: Ctx) -> None:
    resources.remove_tag(ctx.db, resources.get_project(ctx.db, ctx.params["project_id"]),
                         ctx.params["tag"])


TAGS = "/v3/projects/{project_id}/tags"

ROUTES: list[Route] = [
    *crud("/v3/domains", "domain_id", "domain", "domains",
          (list_domains, create_domain, get_domain, update_domain, delete_domain)),
    *crud("/v3/projects", "project_id", "project", "projects",
          (list_projects, create_project, get_project, update_project, delete_project)),
    Route("GET", TAGS, list_tags, "identity:get_project_tags"),
    Route("PUT", TAGS, replace_tags, "identity:update_project_tags"),
    Route("DELETE", TAGS, clear_tags, "identity:update_project_tags", 204),
    Route("GET", TAGS + "/{tag}", check_tag, "identity:get_project_tags", 204),
    Route("PUT", TAGS + "/{tag}", add_tag, "identity:update_project_tags", 201),
    Route("DELETE", TAGS + "/{tag}", remove_tag, "identity:update_project_tags", 204),
]
