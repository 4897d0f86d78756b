#!/bin/bash
# MongoDB as a one-member replica set: a batch's unit of work is a multi-document
# transaction, and MongoDB only runs transactions on a replica set. With authentication
# on, the members of a replica set authenticate each other with a key file, which
# mongod accepts only when it is private to its user: it is written here from the
# MONGO_REPLICA_KEY secret, then the image's own entrypoint starts mongod.
set -euo pipefail
: "${MONGO_REPLICA_KEY:?set in .env}"
printf '%s' "$MONGO_REPLICA_KEY" > /tmp/replica.key
chmod 400 /tmp/replica.key
chown 999:999 /tmp/replica.key
exec docker-entrypoint.sh mongod --replSet rs0 --bind_ip_all --keyFile /tmp/replica.key
