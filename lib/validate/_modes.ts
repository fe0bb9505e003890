/**
 * Private to `validate.ts`: what a stack's deploy mode does not apply
 * (docs/validate.md#what-is-checked, docs/swarm.md#what-swarm-ignores). A
 * `mode: swarm` stack is deployed by `docker stack deploy`, which refuses some
 * service keys and ignores others; a `mode: compose` stack's `deploy:` section
 * is applied by Compose only in part. Read from the compose files as written
 * (`docker compose config` would turn a `depends_on` list into the long form
 * that `docker stack deploy` refuses).
 *
 * Checked with the docker 28 CLI against Docker 26 and Compose 2.26:
 * `docker stack deploy` prints "Ignoring unsupported options: build, …" and
 * "Ignoring deprecated options: container_name …, expose …" and deploys;
 * it stops with "Compose file contains unsupported options: mem_limit: Set
 * resource limits using deploy.resources" for the keys in {@link SWARM_REFUSES},
 * and with "services.app.depends_on must be a list" for the long form. Compose
 * applied `deploy.replicas`, `resources` (limits and reservations) and
 * `restart_policy`'s `condition` and `max_attempts` to the containers, and
 * nothing of `labels`, `update_config`, `rollback_config`, `placement`,
 * `endpoint_mode`.
 * @module
 */
import type { DeploySettings } from "../config/mod.ts";
import { isRecord } from "../yaml_doc.ts";
import type { Finding } from "./_model.ts";
import type { ComposeDoc } from "./_yaml.ts";

/** Service keys `docker stack deploy` ignores, each with what to do instead. */
const SWARM_IGNORES: Readonly<Record<string, string>> = {
  build: "Swarm only runs images: build the image before the deploy (and push it to a " +
    "registry every node can pull from on a swarm of several nodes)",
  container_name: "Swarm names the containers of its tasks itself",
  restart: "use deploy.restart_policy (condition: any, on-failure or none)",
  expose: "services on the same network reach each other on any port",
  links: "services on the same network reach each other by service name",
  external_links: "attach the service to the other stack's network instead",
  network_mode: "attach the service to networks instead",
  devices: "",
  privileged: "",
  cgroup_parent: "",
  cgroupns_mode: "",
  domainname: "",
  ipc: "",
  mac_address: "",
  pid: "",
  security_opt: "",
  shm_size: "mount a tmpfs at /dev/shm instead",
  userns_mode: "",
};

/** Service keys that make `docker stack deploy` refuse the stack, with Docker's own hint. */
const SWARM_REFUSES: Readonly<Record<string, string>> = {
  extends: "docker stack deploy does not support extends: write the service out",
  volumes_from: "define a top-level volume and mount it in each service that shares it",
  volume_driver: "define a top-level volume with that driver instead",
  mem_limit: "set resource limits with deploy.resources",
  memswap_limit: "set resource limits with deploy.resources",
  cpu_quota: "set resource limits with deploy.resources",
  cpu_shares: "set resource limits with deploy.resources",
  cpuset: "set resource limits with deploy.resources",
};

/** `deploy:` keys Compose applies; the others only mean something to Swarm. */
const COMPOSE_APPLIES = new Set(["replicas", "resources", "restart_policy", "mode"]);

/** `deploy.restart_policy` keys Compose applies (as the container's restart policy). */
const COMPOSE_RESTART_APPLIES = new Set(["condition", "max_attempts"]);

/** Findings about keys `mode` does not apply, for each service of each compose file. */
export function modeFindings(
  docs: readonly ComposeDoc[],
  mode: DeploySettings["mode"],
  where: { folder: string; stack: string },
): Finding[] {
  const findings: Finding[] = [];
  for (const doc of docs) {
    if (!isRecord(doc.value) || !isRecord(doc.value.services)) continue;
    for (const [name, service] of Object.entries(doc.value.services)) {
      if (!isRecord(service)) continue;
      const found = mode === "swarm"
        ? swarmProblems(name, service)
        : composeProblems(name, service);
      for (const p of found) {
        const line = doc.find(["services", name, ...p.path]).line;
        findings.push({
          level: p.level,
          rule: p.rule,
          ...where,
          file: doc.file,
          ...(line === undefined ? {} : { line }),
          message: p.message,
        });
      }
    }
  }
  return findings;
}

/** One problem with a service, before it is placed in its file. */
interface Problem {
  level: Finding["level"];
  rule: Finding["rule"];
  /** Keys below the service. */
  path: string[];
  message: string;
}

/** What `docker stack deploy` refuses or ignores in one service. */
function swarmProblems(name: string, service: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  for (const key of Object.keys(service)) {
    const refused = SWARM_REFUSES[key];
    if (refused !== undefined) {
      const message =
        `service "${name}" sets ${key}, which docker stack deploy refuses: ${refused}`;
      problems.push({ level: "error", rule: "swarm-refused", path: [key], message });
    }
    const ignored = SWARM_IGNORES[key];
    if (ignored !== undefined) {
      const message = `service "${name}" sets ${key}, which Swarm ignores${
        ignored === "" ? "" : `: ${ignored}`
      }`;
      problems.push({ level: "warning", rule: "swarm-ignored", path: [key], message });
    }
  }
  const dependsOn = service.depends_on;
  if (isRecord(dependsOn)) {
    const message = `service "${name}" uses the long form of depends_on, which docker stack ` +
      "deploy refuses (it must be a list); Swarm starts services in no order and waits for no " +
      "condition: make the service retry until what it needs answers";
    problems.push({ level: "error", rule: "swarm-refused", path: ["depends_on"], message });
  } else if (Array.isArray(dependsOn) && dependsOn.length > 0) {
    const message = `service "${name}" sets depends_on, which Swarm ignores: it starts services ` +
      "in no order, so make the service retry until what it needs answers";
    problems.push({ level: "warning", rule: "swarm-ignored", path: ["depends_on"], message });
  }
  return problems;
}

/** The parts of one service's `deploy:` section Compose does not apply. */
function composeProblems(name: string, service: Record<string, unknown>): Problem[] {
  const deploy = service.deploy;
  if (!isRecord(deploy)) return [];
  const ignored = Object.keys(deploy).filter((k) => !COMPOSE_APPLIES.has(k) && !k.startsWith("x-"))
    .map((k) => `deploy.${k}`);
  const restart = deploy.restart_policy;
  if (isRecord(restart)) {
    ignored.push(
      ...Object.keys(restart).filter((k) => !COMPOSE_RESTART_APPLIES.has(k))
        .map((k) => `deploy.restart_policy.${k}`),
    );
  }
  if (ignored.length === 0) return [];
  const message = `service "${name}" sets ${ignored.join(", ")}, which Compose ignores ` +
    "(it applies only deploy.replicas, deploy.resources and the restart_policy's condition " +
    "and max_attempts); set mode: swarm if the stack is meant for a swarm";
  return [{ level: "warning", rule: "compose-ignores-deploy", path: ["deploy"], message }];
}
