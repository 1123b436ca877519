// Drives docker-compose.yml as a self-hoster would: `docker compose` (v2) or
// `docker-compose` (1.29), whichever this machine has.
import { spawn, spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { isPortFree } from "../lib/db/embedded-postgres.ts";

type RunOptions = { timeoutMs?: number; input?: Buffer };
export type Compose = {
  command: string[];
  /** Runs a compose command; its output (stdout and stderr) as text. */
  run: (args: string[], options?: RunOptions) => Promise<string>;
  /** Runs a compose command; its stdout as bytes (a dump). */
  runForBytes: (args: string[], options?: RunOptions) => Promise<Buffer>;
};

/** Why no stack can run here (no engine), or null when one can. */
export function dockerUnavailable(): string | null {
  const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8", timeout: 20_000 });
  if (info.error) return "no docker command on this machine";
  if (info.status !== 0) return `no Docker engine answers (${(info.stderr || info.stdout).trim().split("\n")[0]})`;
  return null;
}

function composeCommand(): string[] {
  if (spawnSync("docker", ["compose", "version"], { stdio: "ignore" }).status === 0) return ["docker", "compose"];
  return ["docker-compose"];
}

export function compose(env: Record<string, string>): Compose {
  const command = composeCommand();
  const execute = (args: string[], { timeoutMs = 5 * 60_000, input }: RunOptions = {}) =>
    new Promise<{ stdout: Buffer; stderr: string }>((resolve, reject) => {
      const child = spawn(command[0]!, [...command.slice(1), ...args], { env: { ...process.env, ...env } });
      const stdout: Buffer[] = [];
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => stdout.push(d));
      child.stderr.on("data", (d) => (stderr += d));
      child.stdin.end(input);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("close", (code) => {
        clearTimeout(timer);
        if (code === 0) resolve({ stdout: Buffer.concat(stdout), stderr });
        else reject(new Error(`${command.join(" ")} ${args.join(" ")} exited with ${code}:\n${(Buffer.concat(stdout).toString() + stderr).slice(-4000)}`));
      });
    });
  return {
    command,
    run: async (args, options) => {
      const { stdout, stderr } = await execute(args, options);
      return stdout.toString() + stderr;
    },
    runForBytes: async (args, options) => (await execute(args, options)).stdout,
  };
}

/** How a service's container last ended (0: it stopped by itself, 137: it was killed). */
export async function exitCodeOf(stack: Compose, service: string): Promise<number> {
  const id = (await stack.run(["ps", "-q", service])).trim().split("\n").at(-1)!;
  const inspect = spawnSync("docker", ["inspect", "--format", "{{.State.ExitCode}}", id], { encoding: "utf8" });
  return Number(inspect.stdout.trim());
}

export async function waitReady(url: string, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/api/ready`)).status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${url} did not become ready`);
}

/**
 * `count` consecutive ports free on 127.0.0.1, for the stack to publish. Taken below the
 * kernel's ephemeral range (32768 and up on Linux): a port inside it, found free, can be
 * taken a moment later as the local end of some outgoing connection, and Docker's bind fails.
 */
export async function freeHostPorts(count: number): Promise<number[]> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const first = randomInt(20_000, 32_768 - count);
    const ports = Array.from({ length: count }, (_, i) => first + i);
    if ((await Promise.all(ports.map((port) => isPortFree(port)))).every(Boolean)) return ports;
  }
  throw new Error(`no ${count} consecutive free ports between 20000 and 32767`);
}
