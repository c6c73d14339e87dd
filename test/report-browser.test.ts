import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import {
  createReportWorkspace,
  novaBeforeProcedure,
  REPO,
  succeedingProcedure,
  type ReportWorkspace,
} from './report-fixtures.js';

// Debian's chromium package (installed by .ci/run); a browser is never downloaded.
const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(
    `report-browser: skipped — ${CHROMIUM} is absent (install Debian's chromium package: apt-get install chromium)`,
  );
}
const SHOTS = path.join(REPO, 'test-results');

/** A page opened on a report file, with every request and dialog it attempted recorded. */
async function open(
  context: BrowserContext,
  file: string,
): Promise<{ page: Page; requests: string[]; dialogs: string[] }> {
  const page = await context.newPage();
  const requests: string[] = [];
  const dialogs: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, requests, dialogs };
}

describe.skipIf(!haveChromium)('HTML report in headless Chromium', () => {
  let db: TestDatabase;
  let ws: ReportWorkspace;
  let context: BrowserContext;
  let profile: string;
  const reports = { failed: '', succeeded: '' };

  beforeAll(async () => {
    db = await createTestDatabase('report_browser');
    ws = await createReportWorkspace(db.adminUrl, {
      'parallel-ok': succeedingProcedure(`${db.name}_ok`),
    });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      path.join(ws.dir, 'procedures', 'nova-before.yaml'),
      novaBeforeProcedure(`${db.name}_nb`, ws.history),
    );
    const failed = await ws.cli(['run', 'nova-before']);
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toContain('stopped at migrate: 42P01');
    const failedId = await ws.lastRun();
    const ok = await ws.cli(['run', 'parallel-ok']);
    expect(ok.code, ok.stderr).toBe(0);
    const okId = await ws.lastRun();
    reports.failed = path.join(ws.dir, 'failed.html');
    reports.succeeded = path.join(ws.dir, 'succeeded.html');
    for (const [id, file] of [
      [failedId, reports.failed],
      [okId, reports.succeeded],
    ] as const) {
      const r = await ws.cli(['report', id, '--html', file]);
      expect(r.code, r.stderr).toBe(0);
    }
    await mkdir(SHOTS, { recursive: true });
    profile = await mkdtemp(path.join(os.tmpdir(), 'runbook-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await ws?.dispose();
    await db?.drop();
  });

  it('shows a failed run: stopped step marked on the diagram, failure with SQLSTATE, timeline, chart, checklist, verdict', async () => {
    const { page, requests, dialogs } = await open(context, reports.failed);
    await expect.poll(() => page.locator('#integrity').isVisible()).toBe(true);
    expect(await page.locator('#integrity').innerText()).toMatch(/^Log integrity: VERIFIED/);
    expect(await page.locator('#run-status').innerText()).toBe('STOPPED at migrate');

    const stopped = page.locator('#diagram .node.stopped');
    expect(await stopped.count()).toBe(1);
    expect(await stopped.getAttribute('data-step')).toBe('migrate');
    expect(await stopped.isVisible()).toBe(true);
    expect(await stopped.locator('.stop-marker').innerText()).toContain('stopped here');
    // The path taken is highlighted up to the stop; the step after it was not reached.
    expect(await page.locator('#diagram .node.taken[data-step="recreate"]').isVisible()).toBe(true);
    expect(await page.locator('#diagram .arrow.taken').count()).toBeGreaterThanOrEqual(2);
    const verify = page.locator('#diagram .node[data-step="verify"]');
    expect(await verify.getAttribute('data-status')).toBe('not-run');
    expect(await verify.getAttribute('class')).not.toContain('taken');
    // The stopped node is drawn in red (computed style, not just a class name).
    const outline = await page.evaluate(
      `getComputedStyle(document.querySelector('#diagram .node.stopped')).outlineColor`,
    );
    expect(outline).toBe('rgb(185, 28, 28)');

    const steps = page.locator('#timeline tr[data-kind="step"]');
    expect(await steps.count()).toBeGreaterThanOrEqual(3);
    expect(await steps.first().isVisible()).toBe(true);
    expect(await page.locator('#timeline').innerText()).toMatch(/001–064\s+64 migrations/);

    const failure = page.locator('#failures .failure.open');
    expect(await failure.isVisible()).toBe(true);
    expect(await failure.locator('.sqlstate').innerText()).toBe('42P01');
    const failureText = await failure.innerText();
    expect(failureText).toContain('relation "runs" does not exist');
    expect(failureText).toContain('migration 065_add_run_authorization');
    expect(await failure.locator('.diagnosis').isVisible()).toBe(true);

    expect(await page.locator('#migrations svg.chart rect.bar').count()).toBe(64);
    expect(await page.locator('#migrations .failed-marker').isVisible()).toBe(true);

    const checklist = page.locator('#checklist tr[data-status="FAIL"]');
    expect(await checklist.isVisible()).toBe(true);
    expect(await checklist.innerText()).toContain('Migrations ran');

    // The `<script>` in the procedure's description is text on the page, never code.
    expect(await page.locator('header#run p').innerText()).toContain(
      "<script>alert('desc')</script>",
    );
    expect(await page.evaluate('document.scripts.length')).toBe(0);
    expect(dialogs).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'report-failed.png'), fullPage: true });
  });

  it('shows a succeeded run: parallel branches side by side, no stop marker, checklist passing', async () => {
    const { page, requests, dialogs } = await open(context, reports.succeeded);
    expect(await page.locator('#integrity').innerText()).toMatch(/^Log integrity: VERIFIED/);
    expect(await page.locator('#run-status').innerText()).toBe('SUCCEEDED');
    expect(await page.locator('#diagram .node.stopped').count()).toBe(0);

    const left = await page.locator('#diagram .branch[data-branch="left"]').boundingBox();
    const right = await page.locator('#diagram .branch[data-branch="right"]').boundingBox();
    expect(left && right).toBeTruthy();
    expect(right!.x).toBeGreaterThan(left!.x + left!.width - 1);
    expect(Math.abs(right!.y - left!.y)).toBeLessThan(5);
    for (const step of ['recreate', 'migrate', 'probe', 'verify', 'drop']) {
      const node = page.locator(`#diagram .node[data-step="${step}"]`);
      expect(await node.isVisible()).toBe(true);
      expect(await node.getAttribute('data-status')).toBe('succeeded');
    }
    expect(await page.locator('#failures').innerText()).toContain('No step failed.');
    expect(await page.locator('#checklist tr[data-status="PASS"]').count()).toBe(2);
    expect(await page.locator('#artifacts table.expectations').isVisible()).toBe(true);
    expect(await page.locator('#migrations svg.chart rect.bar').count()).toBe(41);
    expect(dialogs).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'report-succeeded.png'), fullPage: true });
  });
});
