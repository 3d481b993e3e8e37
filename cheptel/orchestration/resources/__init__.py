"""The resource types a template may name (OS::Neutron::Net, OS::Nova::Server, ...): each
made through the other services' routes (service/cloud.py), as the stack's owner."""
