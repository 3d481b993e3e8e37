"""The compute policy table: policy name -> rule (cheptel.policy.RULES).

Every compute route names one of these (api/); a few are checked inside a handler
(ctx.require / ctx.allowed: another project's limits, every project's server groups,
flavor extra specs in flavor views, the admin server actions). The app builder refuses a
route whose policy is missing here. Nova's defaults (nova/policies/), grouped by the api/
module that uses them.
"""

POLICIES = {
    # versions
    "compute:discovery": "anyone",
    # servers
    "compute:servers:index": "scoped_reader",
    # Nova's servers:index:get_all_tenants and servers:detail:get_all_tenants (ADMIN)
    "compute:servers:index:get_all_tenants": "admin",
    "compute:servers:detail:get_all_tenants": "admin",
    "compute:servers:show": "scoped_reader",
    "compute:servers:create": "scoped_member",
    "compute:servers:update": "scoped_member",
    "compute:servers:delete": "scoped_member",
    "compute:servers:metadata:read": "scoped_reader",
    "compute:servers:metadata:write": "scoped_member",
    "compute:servers:tags:read": "scoped_reader",
    "compute:servers:tags:write": "scoped_member",
    "compute:servers:ips": "scoped_reader",
    "compute:servers:instance_actions": "scoped_reader",
    "compute:servers:security_groups": "scoped_reader",
    # server_actions
    "compute:servers:action": "scoped_member",
    # remote_consoles (os_compute_api:os-remote-consoles: PROJECT_MEMBER_OR_ADMIN)
    "compute:servers:remote_consoles": "scoped_member",
    # server_password
    "compute:servers:password:show": "scoped_reader",
    "compute:servers:password:clear": "scoped_member",
    # server_diagnostics (os_compute_api:os-server-diagnostics)
    "compute:servers:diagnostics": "admin",
    # server_external_events
    "compute:server_external_events:create": "admin_or_service",
    # interfaces
    "compute:servers:interfaces:read": "scoped_reader",
    "compute:servers:interfaces:write": "scoped_member",
    # volume_attachments (os_compute_api:os-volumes-attachments:*; swap: service_or_admin)
    "compute:servers:volume_attachments:index": "scoped_reader",
    "compute:servers:volume_attachments:show": "scoped_reader",
    "compute:servers:volume_attachments:create": "scoped_member",
    "compute:servers:volume_attachments:update": "scoped_member",
    "compute:servers:volume_attachments:swap": "admin_or_service",
    "compute:servers:volume_attachments:delete": "scoped_member",
    # volumes (os_compute_api:os-volumes:*, the proxy API until 2.35)
    "compute:os-volumes:list": "scoped_reader",
    "compute:os-volumes:detail": "scoped_reader",
    "compute:os-volumes:show": "scoped_reader",
    "compute:os-volumes:create": "scoped_member",
    "compute:os-volumes:delete": "scoped_member",
    "compute:os-volumes:snapshots:list": "scoped_reader",
    "compute:os-volumes:snapshots:detail": "scoped_reader",
    "compute:os-volumes:snapshots:show": "scoped_reader",
    "compute:os-volumes:snapshots:create": "scoped_member",
    "compute:os-volumes:snapshots:delete": "scoped_member",
    # flavors
    "compute:flavors:list": "authenticated",
    "compute:flavors:show": "authenticated",
    "compute:flavors:create": "admin",
    "compute:flavors:update": "admin",
    "compute:flavors:delete": "admin",
    "compute:flavor-access:list": "admin",
    "compute:flavor-access:action": "admin",
    "compute:flavor-extra-specs:index": "scoped_reader",
    "compute:flavor-extra-specs:show": "scoped_reader",
    "compute:flavor-extra-specs:create": "admin",
    "compute:flavor-extra-specs:update": "admin",
    "compute:flavor-extra-specs:delete": "admin",
    # keypairs
    "compute:keypairs:index": "admin_or_self",
    "compute:keypairs:create": "admin_or_self",
    "compute:keypairs:show": "admin_or_self",
    "compute:keypairs:delete": "admin_or_self",
    # limits
    "compute:limits": "authenticated",
    "compute:limits:other_project": "admin",
    # quotas
    "compute:quota-sets:show": "project_reader",
    "compute:quota-sets:detail": "project_reader",
    "compute:quota-sets:defaults": "authenticated",
    "compute:quota-sets:update": "admin",
    "compute:quota-sets:delete": "admin",
    "compute:quota-class-sets:show": "admin",
    "compute:quota-class-sets:update": "admin",
    # availability_zones
    "compute:availability-zone:list": "authenticated",
    "compute:availability-zone:detail": "admin",
    # hypervisors
    "compute:hypervisors:list": "admin",
    "compute:hypervisors:list-detail": "admin",
    "compute:hypervisors:show": "admin",
    "compute:hypervisors:statistics": "admin",
    "compute:hypervisors:uptime": "admin",
    "compute:hypervisors:search": "admin",
    "compute:hypervisors:servers": "admin",
    # compute_services
    "compute:os-services:list": "admin",
    "compute:os-services:update": "admin",
    "compute:os-services:delete": "admin",
    # aggregates
    "compute:os-aggregates:index": "admin",
    "compute:os-aggregates:show": "admin",
    "compute:os-aggregates:create": "admin",
    # server_groups
    "compute:os-server-groups:index": "scoped_reader",
    "compute:os-server-groups:index:all_projects": "admin",
    "compute:os-server-groups:create": "scoped_member",
    "compute:os-server-groups:show": "project_reader",
    "compute:os-server-groups:delete": "project_member",
    # usage (os_compute_api:os-simple-tenant-usage:list ADMIN, :show PROJECT_READER_OR_ADMIN)
    "compute:os-simple-tenant-usage:list": "admin",
    "compute:os-simple-tenant-usage:show": "project_reader",
    "compute:os-simple-tenant-usage:unrouted": "scoped_reader",  # the empty id's 404
    # migrations
    "compute:os-migrations:index": "scoped_manager",  # PROJECT_MANAGER_OR_ADMIN
    "compute:os-migrations:index:all_projects": "admin",
    # server_topology
    "compute:server:topology:index": "project_reader",
    # floating_ip_pools
    "compute:os-floating-ip-pools": "authenticated",
    # os_hosts
    **{f"compute:os-hosts:{name}": "admin" for name in (
        "list", "show", "update", "reboot", "shutdown", "start")},
    # admin_actions
    "compute:servers:reset_state": "admin",
    "compute:servers:inject_network_info": "admin",
    "compute:servers:migrate": "admin",
}
