"""The network policy table: policy name -> rule (cheptel.policy.RULES).

Every network route names one of these (api/); the app builder refuses a route whose
policy is missing here. Route policies check the role (reader reads, member writes, in
the token's project); which resources a caller sees, and which attributes only an admin
or a network's owner may set, is decided below the route. Grouped by the api/ module
that uses them.
"""

POLICIES = {
    # versions
    "network:discovery": "anyone",
    "network:get_extension": "authenticated",
    "network:get_availability_zone": "authenticated",
    # networks
    "network:get_network": "scoped_reader",
    "network:create_network": "scoped_member",
    "network:update_network": "scoped_member",
    "network:delete_network": "scoped_member",
    # subnets
    "network:get_subnet": "scoped_reader",
    "network:create_subnet": "scoped_member",
    "network:update_subnet": "scoped_member",
    "network:delete_subnet": "scoped_member",
    # subnetpools
    "network:get_subnetpool": "scoped_reader",
    "network:create_subnetpool": "scoped_member",
    "network:update_subnetpool": "scoped_member",
    "network:delete_subnetpool": "scoped_member",
    # ports
    "network:get_port": "scoped_reader",
    "network:create_port": "scoped_member",
    "network:update_port": "scoped_member",
    "network:delete_port": "scoped_member",
    # routers
    "network:get_router": "scoped_reader",
    "network:create_router": "scoped_member",
    "network:update_router": "scoped_member",
    "network:delete_router": "scoped_member",
    "network:add_router_interface": "scoped_member",
    "network:remove_router_interface": "scoped_member",
    # floatingips
    "network:get_floatingip": "scoped_reader",
    "network:create_floatingip": "scoped_member",
    "network:update_floatingip": "scoped_member",
    "network:delete_floatingip": "scoped_member",
    # security_groups
    "network:get_security_group": "scoped_reader",
    "network:create_security_group": "scoped_member",
    "network:update_security_group": "scoped_member",
    "network:delete_security_group": "scoped_member",
    "network:get_security_group_rule": "scoped_reader",
    "network:create_security_group_rule": "scoped_member",
    "network:delete_security_group_rule": "scoped_member",
    # quotas
    "network:get_quotas": "admin",
    "network:get_quota": "project_reader",
    "network:update_quota": "admin",
    "network:delete_quota": "admin",
    "network:quota_project": "authenticated",
    # tags
    "network:get_tags": "scoped_reader",
    "network:update_tags": "scoped_member",
    # service_providers
    "network:get_service_provider": "scoped_reader",
    # agents
    "network:get_agent": "scoped_reader",
}
