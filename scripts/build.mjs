// npm run build: next build, then record which sources it was built from so
// that `npm start` does not build again.
import { spawnSync } from "node:child_process";
const result = spawnSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "-e", "import('./server/ensure-build.ts').then(m => m.ensureBuild())"], {
  stdio: "inherit",
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
});
process.exit(result.status ?? 1);
