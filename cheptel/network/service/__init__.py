"""The network service layer: no HTTP, no Docker.

What compute (Nova) calls:
    ports.allocate_port, ports.bind_port, ports.ports_of_device, ports.release_port,
    ports.release_ports, ports.set_port_status, security_groups.resolve,
    topology.get_network_visible, topology.auto_network
"""
