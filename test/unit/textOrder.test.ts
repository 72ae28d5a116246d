// byText is localeCompare's order through one collator: listings must not change order because of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byText } from '../../server/src/provenance/textOrder';

test('byText sorts names exactly as localeCompare does (case, digits, punctuation, accents, other scripts)', () => {
  const names = ['b-1.0.0.tgz', 'B-1.0.0.tgz', 'a-10.tgz', 'a-9.tgz', 'a_1.tgz', 'a.1.tgz', 'é-1.tgz', 'e-1.tgz', 'z', 'Z', '_x', '-x', '10', '9',
    'chart-0.1.0.tgz', 'chart-0.1.0.tgz.prov', 'Ünïcode', 'ünicode', 'кириллица', '日本', 'node_modules', '.git', ''];
  let state = 1;
  for (let round = 0; round < 50; round++) {
    const shuffled = [...names].sort(() => ((state = (state * 48271) % 2147483647) % 3) - 1);
    assert.deepEqual([...shuffled].sort(byText), [...shuffled].sort((a, b) => a.localeCompare(b)));
  }
});
