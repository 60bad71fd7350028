// Fixture for scripts/test-self: one test fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
test('adds', () => assert.equal(1 + 1, 2));
test('fails on purpose', () => assert.equal(1 + 1, 3));
