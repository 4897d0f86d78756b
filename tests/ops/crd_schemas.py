"""Small JSON Schemas for the custom resources kubernetes-validate has no schema for.

Written from the operators' documented fields (only the subset these manifests may use;
additionalProperties false so a misspelt field fails):
- RabbitmqCluster rabbitmq.com/v1beta1: RabbitMQ Cluster Operator API reference
  (spec.replicas, image, resources, persistence.storage/storageClassName, rabbitmq.
  additionalPlugins/additionalConfig/advancedConfig/envConfig, affinity, tolerations, service).
- MongoDBCommunity mongodbcommunity.mongodb.com/v1: MongoDB Community Operator docs
  (spec.members, type ReplicaSet, version, security.authentication.modes, users[].name/db/
  passwordSecretRef{name,key}/roles[{name,db}]/scramCredentialsSecretName/
  connectionStringSecretName, additionalMongodConfig, statefulSet).
- ServiceMonitor monitoring.coreos.com/v1: prometheus-operator API (spec.selector,
  endpoints[].port/path/interval/scrapeTimeout/scheme, jobLabel, namespaceSelector).
"""
from __future__ import annotations

QUANTITY = {"anyOf": [{"type": "string", "pattern": r"^[0-9.]+[a-zA-Z]*$"}, {"type": "integer"}]}
RESOURCES = {"type": "object", "additionalProperties": False, "properties": {
    "requests": {"type": "object", "additionalProperties": QUANTITY},
    "limits": {"type": "object", "additionalProperties": QUANTITY}}}
META = {"type": "object", "required": ["name"], "properties": {
    "name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
    "namespace": {"type": "string"}, "labels": {"type": "object"},
    "annotations": {"type": "object"}}, "additionalProperties": False}
SELECTOR = {"type": "object", "additionalProperties": False, "properties": {
    "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
    "matchExpressions": {"type": "array"}}}
DURATION = {"type": "string", "pattern": r"^([0-9]+(ms|s|m|h))+$"}


def _resource(api_version: str, kind: str, spec: dict) -> dict:
    return {"type": "object", "additionalProperties": False,
            "required": ["apiVersion", "kind", "metadata", "spec"],
            "properties": {"apiVersion": {"const": api_version}, "kind": {"const": kind},
                           "metadata": META, "spec": spec}}


RABBITMQ_CLUSTER = _resource("rabbitmq.com/v1beta1", "RabbitmqCluster", {
    "type": "object", "additionalProperties": False, "properties": {
        "replicas": {"type": "integer", "minimum": 0},
        "image": {"type": "string"},
        "resources": RESOURCES,
        "persistence": {"type": "object", "additionalProperties": False, "properties": {
            "storage": QUANTITY, "storageClassName": {"type": "string"}}},
        "rabbitmq": {"type": "object", "additionalProperties": False, "properties": {
            "additionalPlugins": {"type": "array", "items": {"type": "string",
                                                             "pattern": "^rabbitmq_"}},
            "additionalConfig": {"type": "string"}, "advancedConfig": {"type": "string"},
            "envConfig": {"type": "string"}}},
        "affinity": {"type": "object"}, "tolerations": {"type": "array"},
        "service": {"type": "object"}, "override": {"type": "object"},
        "terminationGracePeriodSeconds": {"type": "integer"}}})

MONGODB_COMMUNITY = _resource("mongodbcommunity.mongodb.com/v1", "MongoDBCommunity", {
    "type": "object", "additionalProperties": False,
    "required": ["members", "type", "version"], "properties": {
        "members": {"type": "integer", "minimum": 1},
        "arbiters": {"type": "integer"},
        "type": {"enum": ["ReplicaSet"]},
        "version": {"type": "string", "pattern": r"^\d+\.\d+\.\d+$"},
        "featureCompatibilityVersion": {"type": "string"},
        "security": {"type": "object", "additionalProperties": False, "properties": {
            "authentication": {"type": "object", "additionalProperties": False, "properties": {
                "modes": {"type": "array", "items": {"enum": ["SCRAM", "SCRAM-SHA-1",
                                                               "SCRAM-SHA-256", "X509"]}},
                "ignoreUnknownUsers": {"type": "boolean"}}},
            "tls": {"type": "object"}, "roles": {"type": "array"}}},
        "users": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["name", "passwordSecretRef", "roles", "scramCredentialsSecretName"],
            "properties": {
                "name": {"type": "string"}, "db": {"type": "string"},
                "passwordSecretRef": {"type": "object", "additionalProperties": False,
                                      "required": ["name"], "properties": {
                                          "name": {"type": "string"}, "key": {"type": "string"}}},
                "roles": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "additionalProperties": False, "required": ["name", "db"],
                    "properties": {"name": {"type": "string"}, "db": {"type": "string"}}}},
                "scramCredentialsSecretName": {"type": "string",
                                               "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
                "connectionStringSecretName": {"type": "string"},
                "additionalConnectionStringConfig": {"type": "object"}}}},
        "additionalMongodConfig": {"type": "object"},
        "statefulSet": {"type": "object"}, "prometheus": {"type": "object"}}})

SERVICE_MONITOR = _resource("monitoring.coreos.com/v1", "ServiceMonitor", {
    "type": "object", "additionalProperties": False, "required": ["selector", "endpoints"],
    "properties": {
        "jobLabel": {"type": "string"},
        "selector": SELECTOR,
        "namespaceSelector": {"type": "object"},
        "endpoints": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False, "properties": {
                "port": {"type": "string"}, "targetPort": {}, "path": {"type": "string"},
                "scheme": {"enum": ["http", "https"]}, "interval": DURATION,
                "scrapeTimeout": DURATION, "params": {"type": "object"},
                "honorLabels": {"type": "boolean"}, "relabelings": {"type": "array"},
                "metricRelabelings": {"type": "array"}}}}}})

SCHEMAS = {"RabbitmqCluster": RABBITMQ_CLUSTER, "MongoDBCommunity": MONGODB_COMMUNITY,
           "ServiceMonitor": SERVICE_MONITOR}
