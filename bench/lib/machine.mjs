// Describes the machine and the software versions of a run, for the JSON results.
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { toolVersion } from './tools.mjs';

export function describeMachine(tools) {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const version = (tool, args, pattern) =>
    tool?.path ? toolVersion(tool.path, args, pattern) : undefined;
  return {
    date: new Date().toISOString(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1].trim(),
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    loadAverageAtStart: loadavg().map((load) => Math.round(load * 100) / 100),
    node: process.version,
    nginx: version(tools.nginx, ['-v'], /nginx\/\S+/),
    haproxy: version(tools.haproxy, ['-v'], /HAProxy version \S+/),
    caddy: version(tools.caddy, ['version'], /v?\d+\.\d+\.\d+\S*/),
    wrk: version(tools.wrk, ['-v'], /wrk \S+/),
    natsServer: version(tools.nats, ['--version'], /v\d+\.\d+\.\d+/),
  };
}
