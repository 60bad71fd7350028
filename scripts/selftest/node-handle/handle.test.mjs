// Fixture for scripts/test-self: the test passes but the file never exits (an open handle).
import { test } from 'node:test';
test('leaves a timer running', () => { setInterval(() => {}, 1000); });
