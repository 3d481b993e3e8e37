"""The volume policy table: policy name -> rule (cheptel.policy.RULES).

Cinder's defaults (cinder/policies/): a project's readers read, its members write, the
admin resets statuses and manages types and quotas. The target of every route is the
project of its URL (checked against the token's: cheptel.volume.api.common.project), then
the volume's own project.
"""

POLICIES = {
    "volume:discovery": "anyone",
    # volumes
    "volume:get_all": "scoped_reader",
    "volume:get": "scoped_reader",
    "volume:create": "scoped_member",
    "volume:update": "scoped_member",
    "volume:delete": "scoped_member",
    # the all_tenants filter (volume_extension:volume_tenant_attribute's list side)
    "volume:get_all_tenants": "admin",
    "volume:get_volume_metadata": "scoped_reader",
    "volume:update_volume_metadata": "scoped_member",
    "volume:delete_volume_metadata": "scoped_member",
    # actions (volume_extension:volume_actions:*, volume_extension:volume_admin_actions:*)
    "volume:action": "scoped_member",
    "volume_extension:volume_admin_actions:reset_status": "admin",
    "volume_extension:volume_admin_actions:force_delete": "admin",
    # volume types
    "volume_extension:type_get": "authenticated",
    "volume_extension:type_get_all": "authenticated",
    "volume_extension:types_manage": "admin",
    # QoS specs (cinder/policies/qos_specs.py): the admin's
    "volume_extension:qos_specs_manage:get_all": "admin",
    "volume_extension:qos_specs_manage:get": "admin",
    "volume_extension:qos_specs_manage:create": "admin",
    "volume_extension:qos_specs_manage:update": "admin",
    "volume_extension:qos_specs_manage:delete": "admin",
    "volume_extension:types_extra_specs:index": "scoped_reader",
    "volume_extension:types_extra_specs:manage": "admin",
    # read by Horizon's Volume Types panel: none (cheptel.volume.api.encryption)
    "volume_extension:volume_type_encryption:get": "admin",
    "volume_extension:volume_type_encryption:create": "admin",
    "volume_extension:default_get": "scoped_reader",
    "volume_extension:volume_type_access:get_type_access": "admin",
    "volume_extension:volume_type_access:addProjectAccess": "admin",
    "volume_extension:volume_type_access:removeProjectAccess": "admin",
    # quotas, limits, availability zones
    "volume_extension:quotas:show": "scoped_reader",
    "volume_extension:quotas:update": "admin",
    "volume_extension:quotas:delete": "admin",
    "volume_extension:quota_classes": "admin",
    "limits_extension:used_limits": "scoped_reader",
    "volume_extension:availability_zone_list": "scoped_reader",
    # this host's services, hosts, pools, capabilities; the extension list
    "volume:extensions": "scoped_reader",
    "volume_extension:service:index": "admin",
    "volume_extension:service:update": "admin",
    "volume_extension:hosts": "admin",
    "scheduler_extension:scheduler_stats:get_pools": "admin",
    "volume_extension:capabilities": "admin",
    # snapshots (cinder/policies/snapshots.py, snapshot_metadata.py, snapshot_actions.py)
    "volume:get_all_snapshots": "scoped_reader",
    "volume:get_snapshot": "scoped_reader",
    "volume:create_snapshot": "scoped_member",
    "volume:update_snapshot": "scoped_member",
    "volume:delete_snapshot": "scoped_member",
    "volume_extension:extended_snapshot_attributes": "scoped_reader",
    "volume:get_snapshot_metadata": "scoped_reader",
    "volume:update_snapshot_metadata": "scoped_member",
    "volume:delete_snapshot_metadata": "scoped_member",
    # POST /snapshots/{id}/action: each action checks its own policy below
    "volume:snapshot_action": "scoped_member",
    "snapshot_extension:snapshot_actions:update_snapshot_status": "scoped_member",
    "volume_extension:snapshot_admin_actions:reset_status": "admin",
    "volume_extension:snapshot_admin_actions:force_delete": "admin",
    # attaching: the volume actions (cinder/policies/volume_actions.py) and the
    # attachments API (cinder/policies/attachments.py; reading one needs no policy there
    # but a token of its project)
    "volume_extension:volume_actions:reserve": "scoped_member",
    "volume_extension:volume_actions:unreserve": "scoped_member",
    "volume_extension:volume_actions:begin_detaching": "scoped_member",
    "volume_extension:volume_actions:roll_detaching": "scoped_member",
    "volume_extension:volume_actions:attach": "scoped_member",
    "volume_extension:volume_actions:detach": "scoped_member",
    "volume_extension:volume_actions:initialize_connection": "scoped_member",
    "volume_extension:volume_actions:terminate_connection": "scoped_member",
    "volume_extension:volume_admin_actions:force_detach": "admin",
    "volume:attachment_get": "scoped_reader",
    "volume:attachment_create": "scoped_member",
    "volume:attachment_update": "scoped_member",
    "volume:attachment_delete": "scoped_member",
    "volume:attachment_complete": "scoped_member",
    # generic volume groups (cinder/policies/group_types.py, groups.py, group_actions.py,
    # group_snapshots.py, group_snapshot_actions.py); reading a group type needs no
    # policy there but a token
    "group:group_types:get": "authenticated",
    "group:group_types:create": "admin",
    "group:group_types:update": "admin",
    "group:group_types:delete": "admin",
    "group:access_group_types_specs": "admin",
    "group:group_types_specs:get": "admin",
    "group:group_types_specs:get_all": "admin",
    "group:group_types_specs:create": "admin",
    "group:group_types_specs:update": "admin",
    "group:group_types_specs:delete": "admin",
    "group:get_all": "scoped_reader",
    "group:get": "scoped_reader",
    "group:create": "scoped_member",
    "group:update": "scoped_member",
    # POST /groups/{id}/action: each action checks its own policy below
    "group:action": "scoped_member",
    "group:delete": "scoped_member",
    "group:reset_status": "admin",
    "group:group_project_attribute": "admin",
    "group:get_all_group_snapshots": "scoped_reader",
    "group:get_group_snapshot": "scoped_reader",
    "group:create_group_snapshot": "scoped_member",
    "group:delete_group_snapshot": "scoped_member",
    # POST /group_snapshots/{id}/action (reset_status, the one action)
    "group:reset_group_snapshot_status": "admin",
    "group:group_snapshot_project_attribute": "admin",
    # user messages (cinder/policies/messages.py)
    "message:get_all": "scoped_reader",
    "message:get": "scoped_reader",
    "message:delete": "scoped_member",
    # uploading a volume to an image (cinder/policies/volume_actions.py)
    "volume_extension:volume_actions:upload_image": "scoped_member",
    "volume_extension:volume_actions:upload_public": "admin",
}
POLICIES.update({
    # transfers (cinder/policies/volume_transfer.py): a project's readers list and show
    # its own, members create, delete and accept (any project's, knowing id and key)
    "volume:get_all_transfers": "scoped_reader",
    "volume:get_transfer": "scoped_reader",
    "volume:create_transfer": "scoped_member",
    "volume:delete_transfer": "scoped_member",
    "volume:accept_transfer": "scoped_member",
    # image metadata actions (cinder/policies/volume_metadata.py), checked by the action
    "volume_extension:volume_image_metadata:show": "scoped_reader",
    "volume_extension:volume_image_metadata:set": "scoped_member",
    "volume_extension:volume_image_metadata:remove": "scoped_member",
    # backups (cinder/policies/backups.py)
    "backup:get_all": "scoped_reader",
    "backup:get": "scoped_reader",
    "backup:create": "scoped_member",
    "backup:update": "scoped_member",
    "backup:delete": "scoped_member",
    "backup:restore": "scoped_member",
    # POST /backups/{id}/action: each action checks its own policy below
    "backup:action": "scoped_member",
    "volume_extension:backup_admin_actions:reset_status": "admin",
    "volume_extension:backup_admin_actions:force_delete": "admin",
    "backup:export-import": "admin",
    "backup:backup-import": "admin",
    "backup:backup_project_attribute": "admin",
})
