// Fixture for scripts/test-self: a suite that passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
test('adds', () => assert.equal(1 + 1, 2));
