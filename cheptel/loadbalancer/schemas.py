"""Request bodies, declared as Octavia's wsme types declare them
(octavia/api/v2/types/*.py): unknown attributes, wrong types, out-of-range values and
unknown enumerations are 400s."""

from __future__ import annotations

from typing import Any

from cheptel.validation import obj

UUID = {"type": "string", "minLength": 1, "maxLength": 36}
NULL_UUID = {"type": ["string", "null"], "maxLength": 36}
NAME = {"type": ["string", "null"], "maxLength": 255}
TEXT = {"type": ["string", "null"], "maxLength": 255}
BOOL = {"type": "boolean"}
IP = {"type": "string", "maxLength": 64,
      "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]}
NULL_IP = {**IP, "type": ["string", "null"], "anyOf": [
    {"type": "null"}, {"format": "ipv4"}, {"format": "ipv6"}]}
PORT = {"type": "integer", "minimum": 1, "maximum": 65535}
NULL_PORT = {"type": ["integer", "null"], "minimum": 1, "maximum": 65535}
TAGS = {"type": "array", "items": {"type": "string", "maxLength": 255}, "maxItems": 100}
TIMEOUT = {"type": ["integer", "null"], "minimum": 0, "maximum": 86400000}
CIDRS = {"type": ["array", "null"], "items": {"type": "string", "maxLength": 64},
         "maxItems": 64}
HEADERS = {"type": "object", "maxProperties": 16,
           "additionalProperties": {"type": "string", "maxLength": 255}}
NONE_REF = {"type": ["string", "null"], "maxLength": 255}
REFS = {"type": ["array", "null"], "maxItems": 64,
        "items": {"type": "string", "maxLength": 255}}

LISTENER_PROTOCOLS = ["HTTP", "HTTPS", "TCP", "TERMINATED_HTTPS", "UDP", "SCTP",
                      "PROMETHEUS"]
POOL_PROTOCOLS = ["HTTP", "HTTPS", "PROXY", "PROXYV2", "TCP", "UDP", "SCTP"]
ALGORITHMS = ["ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP", "SOURCE_IP_PORT"]
MONITOR_TYPES = ["HTTP", "HTTPS", "PING", "TCP", "TLS-HELLO", "UDP-CONNECT", "SCTP"]
HTTP_METHODS = ["CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT",
                "TRACE"]
L7_ACTIONS = ["REDIRECT_TO_POOL", "REDIRECT_TO_URL", "REDIRECT_PREFIX", "REJECT"]
L7_RULE_TYPES = ["HOST_NAME", "PATH", "FILE_TYPE", "HEADER", "COOKIE",
                 "SSL_CONN_HAS_CERT", "SSL_VERIFY_RESULT", "SSL_DN_FIELD"]
L7_COMPARE = ["REGEX", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "EQUAL_TO"]


def enum(values: list[Any], null: bool = False) -> dict[str, Any]:
    return {"enum": [*values, None] if null else values}


def _root(name: str, body: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return obj({name: obj(body, required)}, (name,))


PERSISTENCE = {"type": ["object", "null"], "additionalProperties": False,
               "required": ["type"], "properties": {
                   "type": enum(["SOURCE_IP", "HTTP_COOKIE", "APP_COOKIE"]),
                   "cookie_name": NAME,
                   "persistence_timeout": {"type": ["integer", "null"], "minimum": 0,
                                           "maximum": 86400},
                   "persistence_granularity": {"type": ["string", "null"],
                                               "maxLength": 64}}}

_lb = {"name": NAME, "description": TEXT, "admin_state_up": BOOL, "tags": TAGS}
lb_create = _root("loadbalancer", {
    **_lb, "vip_address": IP, "vip_port_id": UUID, "vip_subnet_id": UUID,
    "vip_network_id": UUID, "vip_qos_policy_id": NULL_UUID,
    "vip_sg_ids": {"type": "array", "items": UUID, "maxItems": 16},
    "additional_vips": {"type": "array", "maxItems": 0},
    "project_id": {"type": "string", "maxLength": 36}, "tenant_id": {
        "type": "string", "maxLength": 36},
    "listeners": {"type": "array", "maxItems": 0}, "pools": {"type": "array", "maxItems": 0},
    "provider": {"type": "string", "maxLength": 64}, "flavor_id": NULL_UUID,
    "availability_zone": {"type": ["string", "null"], "maxLength": 255},
    "vip_vnic_type": enum(["normal"])})
lb_update = _root("loadbalancer", {
    **_lb, "vip_qos_policy_id": NULL_UUID,
    "vip_sg_ids": {"type": "array", "items": UUID, "maxItems": 16}})

_timeouts = {k: TIMEOUT for k in ("timeout_client_data", "timeout_member_connect",
                                  "timeout_member_data", "timeout_tcp_inspect")}
_listener = {"name": NAME, "description": TEXT, "admin_state_up": BOOL, "tags": TAGS,
             "connection_limit": {"type": ["integer", "null"], "minimum": -1,
                                  "maximum": 2147483647},
             "default_pool_id": NULL_UUID, "insert_headers": HEADERS, **_timeouts,
             "allowed_cidrs": CIDRS, "default_tls_container_ref": NONE_REF,
             "sni_container_refs": REFS, "client_ca_tls_container_ref": NONE_REF,
             "client_authentication": enum(["NONE", "OPTIONAL", "MANDATORY"], True),
             "client_crl_container_ref": NONE_REF, "tls_ciphers": NONE_REF,
             "tls_versions": REFS, "alpn_protocols": REFS,
             "hsts_max_age": {"type": ["integer", "null"], "minimum": 0},
             "hsts_include_subdomains": {"type": ["boolean", "null"]},
             "hsts_preload": {"type": ["boolean", "null"]}}
listener_create = _root("listener", {
    **_listener, "protocol": enum(LISTENER_PROTOCOLS), "protocol_port": PORT,
    "loadbalancer_id": UUID, "project_id": {"type": "string", "maxLength": 36},
    "tenant_id": {"type": "string", "maxLength": 36},
    "default_pool": {"type": ["object", "null"]}, "l7policies": {"type": "array",
                                                                  "maxItems": 0}},
    ("protocol", "protocol_port", "loadbalancer_id"))
listener_update = _root("listener", _listener)

_pool = {"name": NAME, "description": TEXT, "admin_state_up": BOOL, "tags": TAGS,
         "lb_algorithm": enum(ALGORITHMS), "session_persistence": PERSISTENCE,
         "tls_enabled": BOOL, "tls_container_ref": NONE_REF,
         "ca_tls_container_ref": NONE_REF, "crl_container_ref": NONE_REF,
         "tls_ciphers": NONE_REF, "tls_versions": REFS, "alpn_protocols": REFS}
pool_create = _root("pool", {
    **_pool, "protocol": enum(POOL_PROTOCOLS), "listener_id": UUID, "loadbalancer_id": UUID,
    "project_id": {"type": "string", "maxLength": 36},
    "tenant_id": {"type": "string", "maxLength": 36},
    "healthmonitor": {"type": ["object", "null"]},
    "members": {"type": "array", "maxItems": 0}},
    ("protocol", "lb_algorithm"))
pool_update = _root("pool", _pool)

_member = {"name": NAME, "admin_state_up": BOOL, "tags": TAGS,
           "weight": {"type": "integer", "minimum": 0, "maximum": 256}, "backup": BOOL,
           "monitor_address": NULL_IP, "monitor_port": NULL_PORT}
MEMBER = obj({**_member, "address": IP, "protocol_port": PORT, "subnet_id": UUID,
              "project_id": {"type": "string", "maxLength": 36},
              "tenant_id": {"type": "string", "maxLength": 36},
              "request_sriov": {"enum": [False]}}, ("address", "protocol_port"))
member_create = obj({"member": MEMBER}, ("member",))
member_update = _root("member", _member)
members_batch = obj({"members": {"type": "array", "items": MEMBER, "maxItems": 1000}},
                    ("members",))

_monitor = {"name": NAME, "admin_state_up": BOOL, "tags": TAGS,
            "delay": {"type": "integer", "minimum": 0, "maximum": 2147483647},
            "timeout": {"type": "integer", "minimum": 0, "maximum": 2147483647},
            "max_retries": {"type": "integer", "minimum": 1, "maximum": 10},
            "max_retries_down": {"type": "integer", "minimum": 1, "maximum": 10},
            "http_method": enum(HTTP_METHODS, True),
            "url_path": {"type": ["string", "null"], "maxLength": 2048},
            "expected_codes": {"type": ["string", "null"], "maxLength": 64,
                               "pattern": r"^(\d{3}(\s*,\s*\d{3})*|\d{3}\s*-\s*\d{3})$"},
            "http_version": {"enum": [1.0, 1.1, None]},
            "domain_name": {"type": ["string", "null"], "maxLength": 255,
                            "pattern": r"^[A-Za-z0-9.-]+$"}}
monitor_create = _root("healthmonitor", {
    **_monitor, "type": enum(MONITOR_TYPES), "pool_id": UUID,
    "project_id": {"type": "string", "maxLength": 36},
    "tenant_id": {"type": "string", "maxLength": 36}},
    ("type", "delay", "timeout", "max_retries", "pool_id"))
monitor_update = _root("healthmonitor", _monitor)

_policy = {"name": NAME, "description": TEXT, "admin_state_up": BOOL, "tags": TAGS,
           "action": enum(L7_ACTIONS), "redirect_pool_id": NULL_UUID,
           "redirect_url": {"type": ["string", "null"], "maxLength": 255},
           "redirect_prefix": {"type": ["string", "null"], "maxLength": 255},
           "redirect_http_code": enum([301, 302, 303, 307, 308], True),
           "position": {"type": "integer", "minimum": 0, "maximum": 2147483647}}
policy_create = _root("l7policy", {
    **_policy, "listener_id": UUID, "project_id": {"type": "string", "maxLength": 36},
    "tenant_id": {"type": "string", "maxLength": 36},
    "rules": {"type": "array", "maxItems": 0}}, ("action", "listener_id"))
policy_update = _root("l7policy", _policy)

_rule = {"admin_state_up": BOOL, "tags": TAGS, "type": enum(L7_RULE_TYPES),
         "compare_type": enum(L7_COMPARE), "key": {"type": ["string", "null"],
                                                   "maxLength": 255},
         "value": {"type": "string", "maxLength": 255}, "invert": BOOL}
rule_create = _root("rule", {**_rule, "project_id": {"type": "string", "maxLength": 36},
                             "tenant_id": {"type": "string", "maxLength": 36}},
                    ("type", "compare_type", "value"))
rule_update = _root("rule", _rule)
