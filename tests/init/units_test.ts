import assert from "node:assert/strict";
import { renderUnits, UNIT_DEFAULTS } from "../../lib/init/mod.ts";

Deno.test("renderUnits() points both services at the config file", () => {
  const units = renderUnits({ config: "/srv/as/autostack.yaml", baseDir: "/srv/as/base" });
  assert.match(
    units["autostack.service"]!,
    /^ExecStart=\/usr\/local\/bin\/autostack run --config \/srv\/as\/autostack\.yaml$/m,
  );
  assert.match(
    units["autostack-watch.service"]!,
    /^ExecStart=\/usr\/local\/bin\/autostack watch --config \/srv\/as\/autostack\.yaml$/m,
  );
});

Deno.test("renderUnits() lets the services write the base dir; StateDirectory only for the default one", () => {
  const other = renderUnits({ config: "/etc/a.yaml", baseDir: "/srv/as/base" });
  assert.match(
    other["autostack.service"]!,
    /^ReadWritePaths=\/srv\/as\/base -\/run\/docker\.sock$/m,
  );
  assert.doesNotMatch(other["autostack.service"]!, /StateDirectory/);
  const packaged = renderUnits(UNIT_DEFAULTS);
  assert.match(packaged["autostack.service"]!, /^StateDirectory=autostack$/m);
  assert.match(packaged["autostack.service"]!, /^ReadWritePaths=\/var\/lib\/autostack /m);
});

Deno.test("renderUnits() quotes a path with a space, as systemd splits words", () => {
  const units = renderUnits({ config: "/srv/my stacks/a.yaml", baseDir: "/srv/my stacks/base" });
  assert.match(
    units["autostack.service"]!,
    /^ExecStart=\S+ run --config "\/srv\/my stacks\/a\.yaml"$/m,
  );
  assert.match(units["autostack.service"]!, /^ReadWritePaths="\/srv\/my stacks\/base" /m);
});
