// Row 7: CLI cold start. Median of 20 runs of `node bin/runbook.js --help` interleaved with a bare
// `node -e ""` (for the ratio, so both see the same machine load), and of 10 `runbook list` runs
// (the shipped procedures/).
import path from 'node:path';
import process from 'node:process';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { cli } from './lib/engine.mjs';
import { ROOT } from './lib/server.mjs';
import { fmtMs, fmtRatio, fmtSamples, interleave, median } from './lib/stats.mjs';

const RUNS = 20;
// `list` takes seconds on a loaded machine; 10 keep the whole bench near five minutes.
const LIST_RUNS = 10;
// No issue sets these: a help screen in a quarter second, a listing in half a second.
const HELP_TARGET_MS = 250;
const LIST_TARGET_MS = 500;

function bareNode() {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve(performance.now() - t0));
  });
}

async function checked(args, expect) {
  const out = await cli(args);
  if (out.code !== 0 || !expect.test(out.stdout)) {
    throw new Error(`runbook ${args.join(' ')} exited ${out.code}: ${out.stderr.slice(-400)}`);
  }
  return out.ms;
}

export async function run({ note }) {
  const procedures = path.join(ROOT, 'procedures');
  const s = await interleave(
    {
      node: () => bareNode(),
      help: () => checked(['--help'], /Usage: runbook/),
    },
    RUNS,
  );
  Object.assign(
    s,
    await interleave(
      { list: () => checked(['list', '--procedures', procedures], /upgrade/) },
      LIST_RUNS,
    ),
  );
  const node = median(s.node);
  note(
    `7: bare \`node -e ""\` ${fmtSamples(s.node)} (the ratio column divides by it); \`list\` ` +
      `loads and validates every procedure in procedures/ (importing the whole action registry).`,
  );
  return [
    {
      what: '7a CLI cold start `runbook --help` (median of 20)',
      value: fmtSamples(s.help),
      ratio: `${fmtRatio(median(s.help) / node)} node`,
      target: `≤ ${fmtMs(HELP_TARGET_MS)}`,
      pass: median(s.help) <= HELP_TARGET_MS,
    },
    {
      what: '7b CLI `runbook list` (median of 10)',
      value: fmtSamples(s.list),
      ratio: `${fmtRatio(median(s.list) / node)} node`,
      target: `≤ ${fmtMs(LIST_TARGET_MS)}`,
      pass: median(s.list) <= LIST_TARGET_MS,
    },
  ];
}
