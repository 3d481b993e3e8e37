"""Network tables. Times are POSIX seconds (float); ids are UUID strings.

Every resource has id, project_id, status and timestamps, so that a reconciler can
converge the dataplane to these rows and write the outcome back into `status`:

- a network is a bridge (`bridge`, unique, a valid Linux interface name) carrying its
  subnets (CIDR, gateway_ip);
- a port is one IP (ip_allocations) and one MAC on that bridge, owned by a device
  (device_id, device_owner: "compute:nova" for servers, "network:router_interface",
  "network:router_gateway", "network:floatingip");
- a router is its gateway port on an external network (gw_port_id, enable_snat) and its
  interface ports (device_owner network:router_interface, device_id = the router);
- a floating IP is its address (held by a port owned network:floatingip on the external
  network) mapped to (port_id, fixed_ip_address) through router_id.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cheptel.db import Base

ID = String(64)
NAME = String(255)
IP = String(64)


class _Standard:
    """Neutron's standard attributes: description, tags, revision and timestamps."""

    description: Mapped[str] = mapped_column(NAME, default="")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class Network(_Standard, Base):
    __tablename__ = "networks"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    name: Mapped[str] = mapped_column(NAME, default="")
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    external: Mapped[bool] = mapped_column(Boolean, default=False)  # router:external
    mtu: Mapped[int] = mapped_column(Integer, default=1500)
    port_security_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    network_type: Mapped[str] = mapped_column(String(16), default="local")  # provider:*
    physical_network: Mapped[str | None] = mapped_column(NAME, nullable=True)
    bridge: Mapped[str] = mapped_column(String(15), unique=True)  # the dataplane's name
    availability_zone_hints: Mapped[list] = mapped_column(JSON, default=list)
    subnets: Mapped[list[Subnet]] = relationship(
        back_populates="network", order_by="Subnet.created_at", lazy="selectin",
        cascade="all, delete-orphan", passive_deletes=True)


class Subnet(_Standard, Base):
    __tablename__ = "subnets"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(NAME, default="")
    ip_version: Mapped[int] = mapped_column(Integer, default=4)
    cidr: Mapped[str] = mapped_column(IP)
    gateway_ip: Mapped[str | None] = mapped_column(IP, nullable=True)
    enable_dhcp: Mapped[bool] = mapped_column(Boolean, default=True)
    allocation_pools: Mapped[list] = mapped_column(JSON, default=list)  # [{start, end}]
    dns_nameservers: Mapped[list] = mapped_column(JSON, default=list)
    host_routes: Mapped[list] = mapped_column(JSON, default=list)  # [{destination, nexthop}]
    # IPv6 only: slaac, dhcpv6-stateful, dhcpv6-stateless or None (service/ipv6.py)
    ipv6_ra_mode: Mapped[str | None] = mapped_column(String(16), nullable=True)
    ipv6_address_mode: Mapped[str | None] = mapped_column(String(16), nullable=True)
    subnetpool_id: Mapped[str | None] = mapped_column(ForeignKey("subnetpools.id"),
                                                      nullable=True, index=True)
    network: Mapped[Network] = relationship(back_populates="subnets")


class SubnetPool(_Standard, Base):
    """Prefixes subnets are carved from (subnet_allocation), all of one IP version."""

    __tablename__ = "subnetpools"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    name: Mapped[str] = mapped_column(NAME, default="")
    ip_version: Mapped[int] = mapped_column(Integer, default=4)
    prefixes: Mapped[list] = mapped_column(JSON, default=list)  # CIDRs, compacted
    min_prefixlen: Mapped[int] = mapped_column(Integer)
    max_prefixlen: Mapped[int] = mapped_column(Integer)
    default_prefixlen: Mapped[int] = mapped_column(Integer)
    default_quota: Mapped[int | None] = mapped_column(Integer, nullable=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class Port(_Standard, Base):
    __tablename__ = "ports"
    __table_args__ = (UniqueConstraint("network_id", "mac_address"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ID, index=True)  # "" for service ports
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), index=True)
    name: Mapped[str] = mapped_column(NAME, default="")
    mac_address: Mapped[str] = mapped_column(String(32))
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="DOWN")
    device_id: Mapped[str] = mapped_column(NAME, default="", index=True)
    device_owner: Mapped[str] = mapped_column(NAME, default="")
    port_security_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    allowed_address_pairs: Mapped[list] = mapped_column(JSON, default=list)
    # made by compute for a server (deleted with it), not handed to it by the user (unbound)
    auto_delete: Mapped[bool] = mapped_column(Boolean, default=False)
    # the port binding (binding:*): the host asked for and what binding there gave
    binding_host_id: Mapped[str] = mapped_column(NAME, default="")
    binding_vnic_type: Mapped[str] = mapped_column(String(64), default="normal")
    binding_profile: Mapped[dict] = mapped_column(JSON, default=dict)
    binding_vif_type: Mapped[str] = mapped_column(String(64), default="unbound")
    binding_vif_details: Mapped[dict] = mapped_column(JSON, default=dict)
    fixed_ips: Mapped[list[IPAllocation]] = relationship(
        order_by="IPAllocation.position", lazy="selectin", cascade="all, delete-orphan",
        passive_deletes=True)
    sg_bindings: Mapped[list[PortSecurityGroup]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def security_group_ids(self) -> list[str]:
        return [b.security_group_id for b in self.sg_bindings]


class IPAllocation(Base):
    """One fixed IP of a port; the primary key makes a double allocation impossible."""

    __tablename__ = "ip_allocations"
    subnet_id: Mapped[str] = mapped_column(ForeignKey("subnets.id"), primary_key=True)
    ip_address: Mapped[str] = mapped_column(IP, primary_key=True)
    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"),
                                         index=True)
    network_id: Mapped[str] = mapped_column(ID, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in fixed_ips


class PortSecurityGroup(Base):
    __tablename__ = "port_security_groups"
    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"),
                                         primary_key=True)
    security_group_id: Mapped[str] = mapped_column(ForeignKey("security_groups.id"),
                                                   primary_key=True, index=True)


class Router(_Standard, Base):
    __tablename__ = "routers"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    name: Mapped[str] = mapped_column(NAME, default="")
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    gw_port_id: Mapped[str | None] = mapped_column(ForeignKey("ports.id"), nullable=True)
    enable_snat: Mapped[bool] = mapped_column(Boolean, default=True)
    availability_zone_hints: Mapped[list] = mapped_column(JSON, default=list)
    gw_port: Mapped[Port | None] = relationship(lazy="selectin")


class FloatingIP(_Standard, Base):
    __tablename__ = "floating_ips"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    floating_network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), index=True)
    floating_port_id: Mapped[str] = mapped_column(ForeignKey("ports.id"))
    floating_ip_address: Mapped[str] = mapped_column(IP)
    port_id: Mapped[str | None] = mapped_column(ForeignKey("ports.id"), nullable=True,
                                                index=True)
    fixed_ip_address: Mapped[str | None] = mapped_column(IP, nullable=True)
    router_id: Mapped[str | None] = mapped_column(ForeignKey("routers.id"), nullable=True,
                                                  index=True)
    status: Mapped[str] = mapped_column(String(16), default="DOWN")


class SecurityGroup(_Standard, Base):
    __tablename__ = "security_groups"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    name: Mapped[str] = mapped_column(NAME, default="")
    rules: Mapped[list[SecurityGroupRule]] = relationship(
        foreign_keys="SecurityGroupRule.security_group_id", order_by="SecurityGroupRule.created_at",
        lazy="selectin", cascade="all, delete-orphan", passive_deletes=True)


class SecurityGroupRule(Base):
    __tablename__ = "security_group_rules"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    security_group_id: Mapped[str] = mapped_column(
        ForeignKey("security_groups.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # ingress | egress
    ethertype: Mapped[str] = mapped_column(String(8), default="IPv4")
    protocol: Mapped[str | None] = mapped_column(String(40), nullable=True)
    port_range_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    port_range_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    remote_ip_prefix: Mapped[str | None] = mapped_column(IP, nullable=True)
    remote_group_id: Mapped[str | None] = mapped_column(
        ForeignKey("security_groups.id", ondelete="CASCADE"), nullable=True, index=True)
    description: Mapped[str] = mapped_column(NAME, default="")
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class DefaultSecurityGroup(Base):
    """A project's `default` group: one a project, made on first use (race-free by key)."""

    __tablename__ = "default_security_groups"
    project_id: Mapped[str] = mapped_column(ID, primary_key=True)
    security_group_id: Mapped[str] = mapped_column(
        ForeignKey("security_groups.id", ondelete="CASCADE"))


class NetworkQuota(Base):
    """A per-project override of a network quota default (-1: unlimited)."""

    __tablename__ = "network_quotas"
    project_id: Mapped[str] = mapped_column(ID, primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    limit: Mapped[int] = mapped_column(Integer)


class AutoAllocatedTopology(Base):
    """The network get-me-a-network made for a project (Nova's `networks: "auto"`)."""

    __tablename__ = "auto_allocated_topologies"
    project_id: Mapped[str] = mapped_column(ID, primary_key=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    router_id: Mapped[str | None] = mapped_column(
        ForeignKey("routers.id", ondelete="SET NULL"), nullable=True)
