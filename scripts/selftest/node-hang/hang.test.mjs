// Fixture for scripts/test-self: one test never settles.
import { test } from 'node:test';
test('adds', () => {});
test('never settles', async () => { await new Promise(() => {}); });
