// Run once by the mongo image on first start (docker-entrypoint-initdb.d), as the root user.
// One user per service, readWrite on its own database only; passwords come from .env.
const services = ["ingestion", "dedup", "tiering", "assignment", "notification", "campaigns", "reporting", "groups"];
const admin = db.getSiblingDB("admin");
for (const name of services) {
  const password = process.env[name.toUpperCase() + "_MONGO_PASSWORD"];
  if (!password) { throw new Error(name.toUpperCase() + "_MONGO_PASSWORD is not set"); }
  admin.createUser({user: name, pwd: password, roles: [{role: "readWrite", db: "crm_" + name}]});
}
