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
- User, Permission, TopicPermission, Exchange, Queue, Binding, Policy rabbitmq.com/v1beta1:
  RabbitMQ Messaging Topology Operator API (api/v1beta1/*_types.go): every spec has
  rabbitmqClusterReference {name | connectionSecret, namespace}; User tags (enum)/
  importCredentialsSecret; (Topic)Permission vhost, user | userReference, permissions
  {configure, write, read} / {exchange, write, read}; Exchange/Queue name, vhost, type,
  durable, autoDelete, arguments; Binding vhost, source, destination, destinationType,
  routingKey, arguments; Policy name, vhost, pattern, applyTo, priority, definition.
  Exchange, Queue and Binding checked against the operator's CRDs
  (config/crd/bases/rabbitmq.com_{exchanges,queues,bindings}.yaml, v1.17): Queue also has
  deleteIfEmpty, deleteIfUnused and deletionPolicy (delete | retain); Binding's source,
  destination and destinationType are optional there but required here (a binding without
  them is never what these manifests mean). Beware: Queue.durable and Exchange.durable
  default to false in the operator, so the manifests always set them.
- ScaledObject, TriggerAuthentication keda.sh/v1alpha1: KEDA's CRDs
  (config/crd/bases/keda.sh_{scaledobjects,triggerauthentications}.yaml, v2.16):
  ScaledObject spec.scaleTargetRef {apiVersion, kind, name, envSourceContainerName},
  pollingInterval, cooldownPeriod, initialCooldownPeriod, idleReplicaCount, minReplicaCount,
  maxReplicaCount, fallback {failureThreshold, replicas}, advanced {restoreToOriginalReplicaCount,
  horizontalPodAutoscalerConfig {name, behavior}, scalingModifiers}, triggers[] {type, name,
  metadata (string values only), authenticationRef {name, kind}, metricType, useCachedMetrics};
  TriggerAuthentication spec.secretTargetRef[] / configMapTargetRef[] {parameter, name, key},
  env[] {parameter, name, containerName}, podIdentity. Only the rabbitmq and cpu triggers
  these manifests use are checked further (the rabbitmq scaler's documented metadata keys).
- PrometheusRule monitoring.coreos.com/v1: prometheus-operator API (spec.groups[] {name,
  interval, limit, partial_response_strategy, query_offset, labels, rules[] {record | alert,
  expr, for, keep_firing_for, labels, annotations}}).
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

OBJECT_REF = {"type": "object", "additionalProperties": False, "required": ["name"],
              "properties": {"name": {"type": "string", "minLength": 1}}}
CLUSTER_REF = {"type": "object", "additionalProperties": False,
               "oneOf": [{"required": ["name"]}, {"required": ["connectionSecret"]}],
               "properties": {"name": {"type": "string", "minLength": 1},
                              "namespace": {"type": "string"},
                              "connectionSecret": OBJECT_REF}}
PATTERN = {"type": "string", "minLength": 1}  # a RabbitMQ (Erlang) regular expression
VHOST = {"type": "string", "minLength": 1}


def _topology(kind: str, required: list[str], properties: dict, **extra) -> dict:
    """A Messaging Topology Operator object: spec.rabbitmqClusterReference always required."""
    return _resource("rabbitmq.com/v1beta1", kind, {
        "type": "object", "additionalProperties": False,
        "required": ["rabbitmqClusterReference", *required],
        "properties": {"rabbitmqClusterReference": CLUSTER_REF, **properties}, **extra})


USER_OR_REFERENCE = [{"required": ["user"]}, {"required": ["userReference"]}]

TOPOLOGY_USER = _topology("User", [], {
    "tags": {"type": "array", "items": {"enum": ["management", "policymaker", "monitoring",
                                                 "administrator"]}},
    "importCredentialsSecret": OBJECT_REF})

TOPOLOGY_PERMISSION = _topology("Permission", ["vhost", "permissions"], {
    "vhost": VHOST, "user": {"type": "string"}, "userReference": OBJECT_REF,
    "permissions": {"type": "object", "additionalProperties": False,
                    "properties": {"configure": PATTERN, "write": PATTERN, "read": PATTERN}}},
    oneOf=USER_OR_REFERENCE)

TOPOLOGY_TOPIC_PERMISSION = _topology("TopicPermission", ["vhost", "permissions"], {
    "vhost": VHOST, "user": {"type": "string"}, "userReference": OBJECT_REF,
    "permissions": {"type": "object", "additionalProperties": False, "required": ["exchange"],
                    "properties": {"exchange": {"type": "string", "minLength": 1},
                                   "write": PATTERN, "read": PATTERN}}},
    oneOf=USER_OR_REFERENCE)

_DECLARED = {"name": {"type": "string", "minLength": 1}, "vhost": VHOST,
             "durable": {"type": "boolean"}, "autoDelete": {"type": "boolean"},
             "arguments": {"type": "object"}}

TOPOLOGY_EXCHANGE = _topology("Exchange", ["name"], {
    **_DECLARED, "type": {"type": "string"}})

TOPOLOGY_QUEUE = _topology("Queue", ["name"], {
    **_DECLARED, "type": {"enum": ["classic", "quorum", "stream"]},
    "deleteIfEmpty": {"type": "boolean"}, "deleteIfUnused": {"type": "boolean"},
    "deletionPolicy": {"enum": ["delete", "retain"]}})

TOPOLOGY_BINDING = _topology("Binding", ["source", "destination", "destinationType"], {
    "vhost": VHOST, "source": {"type": "string"}, "destination": {"type": "string"},
    "destinationType": {"enum": ["exchange", "queue"]}, "routingKey": {"type": "string"},
    "arguments": {"type": "object"}})

TOPOLOGY_POLICY = _topology("Policy", ["name", "pattern", "definition"], {
    "name": {"type": "string", "minLength": 1}, "vhost": VHOST, "pattern": PATTERN,
    "applyTo": {"enum": ["queues", "classic_queues", "quorum_queues", "exchanges", "all"]},
    "priority": {"type": "integer"}, "definition": {"type": "object", "minProperties": 1}})

STRINGS = {"type": "object", "additionalProperties": {"type": "string"}}
INT = {"type": "integer", "minimum": 0}
TARGET_REFS = {"type": "array", "minItems": 1, "items": {
    "type": "object", "additionalProperties": False, "required": ["parameter", "name", "key"],
    "properties": {"parameter": {"type": "string", "minLength": 1},
                   "name": {"type": "string", "minLength": 1},
                   "key": {"type": "string", "minLength": 1}}}}
RABBITMQ_TRIGGER = {"type": "object", "additionalProperties": False,
                    "required": ["queueName", "mode", "value"], "properties": {
                        "host": {"type": "string", "pattern": "^(amqps?|https?)://[^@]+$"},
                        "hostFromEnv": {"type": "string"}, "protocol": {"enum": ["amqp", "http", "auto"]},
                        "mode": {"enum": ["QueueLength", "MessageRate"]},
                        "value": {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
                        "activationValue": {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
                        "queueName": {"type": "string", "minLength": 1},
                        "vhostName": {"type": "string"}, "useRegex": {"enum": ["true", "false"]},
                        "excludeUnacknowledged": {"enum": ["true", "false"]},
                        "unsafeSsl": {"enum": ["true", "false"]}, "timeout": {"type": "string"},
                        "usernameFromEnv": {"type": "string"}, "passwordFromEnv": {"type": "string"}}}
TRIGGER = {"type": "object", "additionalProperties": False, "required": ["type", "metadata"],
           "properties": {
               "type": {"type": "string", "minLength": 1}, "name": {"type": "string"},
               "metadata": STRINGS, "metricType": {"enum": ["AverageValue", "Value", "Utilization"]},
               "useCachedMetrics": {"type": "boolean"},
               "authenticationRef": {"type": "object", "additionalProperties": False,
                                     "required": ["name"], "properties": {
                                         "name": {"type": "string", "minLength": 1},
                                         "kind": {"enum": ["TriggerAuthentication",
                                                           "ClusterTriggerAuthentication"]}}}},
           "allOf": [
               {"if": {"properties": {"type": {"const": "rabbitmq"}}},
                "then": {"properties": {"metadata": RABBITMQ_TRIGGER}}},
               {"if": {"properties": {"type": {"enum": ["cpu", "memory"]}}},
                "then": {"required": ["metricType"], "properties": {
                    "metricType": {"enum": ["Utilization", "AverageValue"]},
                    "metadata": {"type": "object", "additionalProperties": False,
                                 "required": ["value"], "properties": {
                                     "value": {"type": "string", "pattern": "^[0-9]+$"},
                                     "containerName": {"type": "string"}}}}}}]}

SCALED_OBJECT = _resource("keda.sh/v1alpha1", "ScaledObject", {
    "type": "object", "additionalProperties": False, "required": ["scaleTargetRef", "triggers"],
    "properties": {
        "scaleTargetRef": {"type": "object", "additionalProperties": False, "required": ["name"],
                           "properties": {"apiVersion": {"type": "string"},
                                          "kind": {"type": "string"},
                                          "name": {"type": "string", "minLength": 1},
                                          "envSourceContainerName": {"type": "string"}}},
        "pollingInterval": INT, "cooldownPeriod": INT, "initialCooldownPeriod": INT,
        "idleReplicaCount": INT, "minReplicaCount": INT,
        "maxReplicaCount": {"type": "integer", "minimum": 1},
        "fallback": {"type": "object", "additionalProperties": False,
                     "required": ["failureThreshold", "replicas"],
                     "properties": {"failureThreshold": INT, "replicas": INT,
                                    "behavior": {"type": "string"}}},
        "advanced": {"type": "object", "additionalProperties": False, "properties": {
            "restoreToOriginalReplicaCount": {"type": "boolean"},
            "horizontalPodAutoscalerConfig": {
                "type": "object", "additionalProperties": False, "properties": {
                    "name": {"type": "string"}, "behavior": {
                        "type": "object", "additionalProperties": False, "properties": {
                            "scaleUp": {"type": "object"}, "scaleDown": {"type": "object"}}}}},
            "scalingModifiers": {"type": "object"}}},
        "triggers": {"type": "array", "minItems": 1, "items": TRIGGER}}})

TRIGGER_AUTHENTICATION = _resource("keda.sh/v1alpha1", "TriggerAuthentication", {
    "type": "object", "additionalProperties": False, "minProperties": 1, "properties": {
        "secretTargetRef": TARGET_REFS, "configMapTargetRef": TARGET_REFS,
        "env": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["parameter", "name"],
            "properties": {"parameter": {"type": "string"}, "name": {"type": "string"},
                           "containerName": {"type": "string"}}}},
        "podIdentity": {"type": "object"}}})

RULE = {"type": "object", "additionalProperties": False, "required": ["expr"],
        "oneOf": [{"required": ["record"], "not": {"anyOf": [{"required": ["alert"]},
                                                             {"required": ["for"]},
                                                             {"required": ["annotations"]}]}},
                  {"required": ["alert"], "not": {"required": ["record"]}}],
        "properties": {
            "record": {"type": "string", "pattern": "^[a-zA-Z_:][a-zA-Z0-9_:]*$"},
            "alert": {"type": "string", "minLength": 1},
            "expr": {"type": ["string", "integer"]}, "for": DURATION, "keep_firing_for": DURATION,
            "labels": STRINGS, "annotations": STRINGS}}

PROMETHEUS_RULE = _resource("monitoring.coreos.com/v1", "PrometheusRule", {
    "type": "object", "additionalProperties": False, "required": ["groups"], "properties": {
        "groups": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False, "required": ["name", "rules"],
            "properties": {"name": {"type": "string", "minLength": 1}, "interval": DURATION,
                           "query_offset": DURATION, "limit": INT, "labels": STRINGS,
                           "partial_response_strategy": {"enum": ["abort", "warn"]},
                           "rules": {"type": "array", "items": RULE}}}}}})

SCHEMAS = {"RabbitmqCluster": RABBITMQ_CLUSTER, "MongoDBCommunity": MONGODB_COMMUNITY,
           "ServiceMonitor": SERVICE_MONITOR, "User": TOPOLOGY_USER,
           "Permission": TOPOLOGY_PERMISSION, "TopicPermission": TOPOLOGY_TOPIC_PERMISSION,
           "Exchange": TOPOLOGY_EXCHANGE, "Queue": TOPOLOGY_QUEUE, "Binding": TOPOLOGY_BINDING,
           "Policy": TOPOLOGY_POLICY, "ScaledObject": SCALED_OBJECT,
           "TriggerAuthentication": TRIGGER_AUTHENTICATION, "PrometheusRule": PROMETHEUS_RULE}
