#!/usr/bin/env node
// The launcher's former name, kept so that a link made to it before it became bin/runbook.cjs
// still starts runbook: npx keeps, per project folder, the bin links it made on its first run
// (~/.npm/_npx), and does not make them again when package.json's `bin` changes.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./runbook.cjs');
