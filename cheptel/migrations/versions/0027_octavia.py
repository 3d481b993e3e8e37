"""load balancers (Octavia v2): load balancers, listeners, pools, members, health
monitors, L7 policies and rules, quotas, flavors and availability zones

Revision ID: 0027_octavia
Revises: 0026_subnet_ipv6_modes
"""

import sqlalchemy as sa
from alembic import op

revision = "0027_octavia"
down_revision = "0026_subnet_ipv6_modes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lb_availability_zone_profiles',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('provider_name', sa.String(length=64), nullable=False),
    sa.Column('availability_zone_data', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lb_availability_zone_profiles'))
    )
    op.create_table('lb_flavor_profiles',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('provider_name', sa.String(length=64), nullable=False),
    sa.Column('flavor_data', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lb_flavor_profiles'))
    )
    op.create_table('lb_loadbalancers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('admin_state_up', sa.Boolean(), nullable=False),
    sa.Column('provisioning_status', sa.String(length=16), nullable=False),
    sa.Column('operating_status', sa.String(length=16), nullable=False),
    sa.Column('vip_address', sa.String(length=64), nullable=False),
    sa.Column('vip_port_id', sa.String(length=36), nullable=False),
    sa.Column('vip_subnet_id', sa.String(length=36), nullable=False),
    sa.Column('vip_network_id', sa.String(length=36), nullable=False),
    sa.Column('provider', sa.String(length=64), nullable=False),
    sa.Column('flavor_id', sa.String(length=36), nullable=True),
    sa.Column('availability_zone', sa.String(length=255), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lb_loadbalancers'))
    )
    op.create_index(op.f('ix_lb_loadbalancers_project_id'), 'lb_loadbalancers', ['project_id'], unique=False)
    op.create_table('lb_quotas',
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('load_balancer', sa.Integer(), nullable=True),
    sa.Column('listener', sa.Integer(), nullable=True),
    sa.Column('pool', sa.Integer(), nullable=True),
    sa.Column('health_monitor', sa.Integer(), nullable=True),
    sa.Column('member', sa.Integer(), nullable=True),
    sa.Column('l7policy', sa.Integer(), nullable=True),
    sa.Column('l7rule', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('project_id', name=op.f('pk_lb_quotas'))
    )
    op.create_table('lb_availability_zones',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('availability_zone_profile_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['availability_zone_profile_id'], ['lb_availability_zone_profiles.id'], name=op.f('fk_lb_availability_zones_availability_zone_profile_id')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_lb_availability_zones'))
    )
    op.create_table('lb_flavors',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('flavor_profile_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['flavor_profile_id'], ['lb_flavor_profiles.id'], name=op.f('fk_lb_flavors_flavor_profile_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lb_flavors')),
    sa.UniqueConstraint('name', name=op.f('uq_lb_flavors_name'))
    )
    op.create_table('lb_listeners',
    sa.Column('loadbalancer_id', sa.String(length=36), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('protocol', sa.String(length=32), nullable=False),
    sa.Column('protocol_port', sa.Integer(), nullable=False),
    sa.Column('connection_limit', sa.Integer(), nullable=False),
    sa.Column('default_pool_id', sa.String(length=36), nullable=True),
    sa.Column('timeout_client_data', sa.Integer(), nullable=False),
    sa.Column('timeout_member_connect', sa.Integer(), nullable=False),
    sa.Column('timeout_member_data', sa.Integer(), nullable=False),
    sa.Column('timeout_tcp_inspect', sa.Integer(), nullable=False),
    sa.Column('insert_headers', sa.JSON(), nullable=False),
    sa.Column('allowed_cidrs', sa.JSON(), nullable=True),
    sa.Column('stats', sa.JSON(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('admin_state_up', sa.Boolean(), nullable=False),
    sa.Column('provisioning_status', sa.String(length=16), nullable=False),
    sa.Column('operating_status', sa.String(length=16), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['loadbalancer_id'], ['lb_loadbalancers.id'], name=op.f('fk_lb_listeners_loadbalancer_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lb_listeners')),
    sa.UniqueConstraint('loadbalancer_id', 'protocol_port', name=op.f('uq_lb_listeners_loadbalancer_id'))
    )
    op.create_index(op.f('ix_lb_listeners_loadbalancer_id'), 'lb_listeners', ['loadbalancer_id'], unique=False)
    op.create_index(op.f('ix_lb_listeners_project_id'), 'lb_listeners', ['project_id'], unique=False)
    op.create_table('lb_pools',
    sa.Column('loadbalancer_id', sa.String(length=36), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('protocol', sa.String(length=32), nullable=False),
    sa.Column('lb_algorithm', sa.String(length=32), nullable=False),
    sa.Column('session_persistence', sa.JSON(), nullable=True),
    sa.Column('tls_enabled', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('admin_state_up', sa.Boolean(), nullable=False),
    sa.Column('provisioning_status', sa.String(length=16), nullable=False),
    sa.Column('operating_status', sa.String(length=16), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['loadbalancer_id'], ['lb_loadbalancers.id'], name=op.f('fk_lb_pools_loadbalancer_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lb_pools'))
    )
    op.create_index(op.f('ix_lb_pools_loadbalancer_id'), 'lb_pools', ['loadbalancer_id'], unique=False)
    op.create_index(op.f('ix_lb_pools_project_id'), 'lb_pools', ['project_id'], unique=False)
    op.create_table('lb_healthmonitors',
    sa.Column('pool_id', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('delay', sa.Integer(), nullable=False),
    sa.Column('timeout', sa.Integer(), nullable=False),
    sa.Column('max_retries', sa.Integer(), nullable=False),
    sa.Column('max_retries_down', sa.Integer(), nullable=False),
    sa.Column('http_method', sa.String(length=16), nullable=True),
    sa.Column('url_path', sa.Text(), nullable=True),
    sa.Column('expected_codes', sa.String(length=64), nullable=True),
    sa.Column('http_version', sa.Float(), nullable=True),
    sa.Column('domain_name', sa.String(length=255), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('admin_state_up', sa.Boolean(), nullable=False),
    sa.Column('provisioning_status', sa.String(length=16), nullable=False),
    sa.Column('operating_status', sa.String(length=16), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['pool_id'], ['lb_pools.id'], name=op.f('fk_lb_healthmonitors_pool_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lb_healthmonitors')),
    sa.UniqueConstraint('pool_id', name=op.f('uq_lb_healthmonitors_pool_id'))
    )
    op.create_index(op.f('ix_lb_healthmonitors_project_id'), 'lb_healthmonitors', ['project_id'], unique=False)
    op.create_table('lb_l7policies',
    sa.Column('listener_id', sa.String(length=36), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('redirect_pool_id', sa.String(length=36), nullable=True),
    sa.Column('redirect_url', sa.Text(), nullable=True),
    sa.Column('redirect_prefix', sa.Text(), nullable=True),
    sa.Column('redirect_http_code', sa.Integer(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('admin_state_up', sa.Boolean(), nullable=False),
    sa.Column('provisioning_status', sa.String(length=16), nullable=False),
    sa.Column('operating_status', sa.String(length=16), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['listener_id'], ['lb_listeners.id'], name=op.f('fk_lb_l7policies_listener_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lb_l7policies'))
    )
    op.create_index(op.f('ix_lb_l7policies_listener_id'), 'lb_l7policies', ['listener_id'], unique=False)
    op.create_index(op.f('ix_lb_l7policies_project_id'), 'lb_l7policies', ['project_id'], unique=False)
    op.create_table('lb_members',
    sa.Column('pool_id', sa.String(length=36), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('protocol_port', sa.Integer(), nullable=False),
    sa.Column('subnet_id', sa.String(length=36), nullable=True),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('backup', sa.Boolean(), nullable=False),
    sa.Column('monitor_address', sa.String(length=64), nullable=True),
    sa.Column('monitor_port', sa.Integer(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('admin_state_up', sa.Boolean(), nullable=False),
    sa.Column('provisioning_status', sa.String(length=16), nullable=False),
    sa.Column('operating_status', sa.String(length=16), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['pool_id'], ['lb_pools.id'], name=op.f('fk_lb_members_pool_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lb_members')),
    sa.UniqueConstraint('pool_id', 'address', 'protocol_port', name=op.f('uq_lb_members_pool_id'))
    )
    op.create_index(op.f('ix_lb_members_pool_id'), 'lb_members', ['pool_id'], unique=False)
    op.create_index(op.f('ix_lb_members_project_id'), 'lb_members', ['project_id'], unique=False)
    op.create_table('lb_l7rules',
    sa.Column('l7policy_id', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('compare_type', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=True),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.Column('invert', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('admin_state_up', sa.Boolean(), nullable=False),
    sa.Column('provisioning_status', sa.String(length=16), nullable=False),
    sa.Column('operating_status', sa.String(length=16), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['l7policy_id'], ['lb_l7policies.id'], name=op.f('fk_lb_l7rules_l7policy_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lb_l7rules'))
    )
    op.create_index(op.f('ix_lb_l7rules_l7policy_id'), 'lb_l7rules', ['l7policy_id'], unique=False)
    op.create_index(op.f('ix_lb_l7rules_project_id'), 'lb_l7rules', ['project_id'], unique=False)


def downgrade() -> None:
    op.drop_table("lb_l7rules")
    op.drop_table("lb_members")
    op.drop_table("lb_l7policies")
    op.drop_table("lb_healthmonitors")
    op.drop_table("lb_pools")
    op.drop_table("lb_listeners")
    op.drop_table("lb_flavors")
    op.drop_table("lb_availability_zones")
    op.drop_table("lb_quotas")
    op.drop_table("lb_loadbalancers")
    op.drop_table("lb_flavor_profiles")
    op.drop_table("lb_availability_zone_profiles")
