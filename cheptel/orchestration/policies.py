"""The orchestration policy table (heat/policies/): a project's readers read its stacks,
its members make and change them; template checks and the type catalog are any scoped
caller's. The URL's project must be the token's (api/common.caller)."""

POLICIES = {
    "orchestration:discovery": "anyone",
    "stacks:index": "scoped_reader",
    "stacks:global_index": "admin",
    "stacks:create": "scoped_member",
    "stacks:preview": "scoped_member",
    "stacks:lookup": "scoped_reader",
    "stacks:show": "scoped_reader",
    "stacks:update": "scoped_member",
    "stacks:update_patch": "scoped_member",
    "stacks:delete": "scoped_member",
    "actions:action": "scoped_member",
    "stacks:template": "scoped_reader",
    "stacks:environment": "scoped_reader",
    "stacks:files": "scoped_reader",
    "stacks:list_outputs": "scoped_reader",
    "stacks:show_output": "scoped_reader",
    "stacks:validate_template": "scoped_member",
    "resource:index": "scoped_reader",
    "resource:show": "scoped_reader",
    "resource:signal": "scoped_member_or_stack_user",  # a handle's own user too
    "resource:mark_unhealthy": "scoped_member",
    "resource:webhook": "anyone",  # the URL's secret is the credential (alarm_url)
    "events:index": "scoped_reader",
    "events:show": "scoped_reader",
    "stacks:list_template_versions": "scoped_reader",
    "stacks:list_template_functions": "scoped_reader",
    "stacks:list_resource_types": "scoped_reader",
    "stacks:resource_schema": "scoped_reader",
    "build_info:build_info": "scoped_reader",
    "software_configs:index": "scoped_reader",
    "software_configs:show": "scoped_reader",
    "software_configs:create": "scoped_member",
    "software_configs:delete": "scoped_member",
}
