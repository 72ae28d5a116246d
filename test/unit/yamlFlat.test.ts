// The flat YAML reader (yamlFlat.ts) takes over plain `key: scalar` mappings from the YAML library. It
// must say exactly what the full reader says about every text it takes (values, ranges, errors), and
// refuse everything else. Compared here with the full reader on the test corpus, on mutations of a
// real Chart.yaml and `.prov`, and on random texts; and the counted work shows that a chart made by
// `helm create` and signed by Helm reaches the YAML library no more.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readChartArchiveBytes } from '../../server/src/provenance/archive';
import { parseChartYaml } from '../../server/src/provenance/chartYaml';
import { parseProvenance } from '../../server/src/provenance/provDocument';
import { flatReader, readFlatMapping } from '../../server/src/provenance/yamlFlat';
import { resetWork, workDone } from '../../server/src/provenance/work';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');

/** `helm create`'s Chart.yaml (Helm 4.1.4), comments included. */
const HELM_CREATE_CHART_YAML = `apiVersion: v2
name: hello
description: A Helm chart for Kubernetes

# A chart can be either an 'application' or a 'library' chart.
#
# Application charts are a collection of templates that can be packaged into versioned archives
# to be deployed.
type: application

# Versions are expected to follow Semantic Versioning (https://semver.org/)
version: 0.1.0

# It is recommended to use it with quotes.
appVersion: "1.16.0"
`;

/** What `helm package --sign` writes (the signature is not checked here). */
const HELM_PROV = `-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

apiVersion: v2
appVersion: 1.16.0
description: A Helm chart for Kubernetes
name: hello
type: application
version: 0.1.0

...
files:
  hello-0.1.0.tgz: sha256:ad4177717cef6fa8275576c9242a5adf31895e0bd0c8eab0428269e3e5656663

-----BEGIN PGP SIGNATURE-----

wsC5BAEBCgBtBYJrFjtzCRA7JV+cuxUOJEUUAAAAAAAcACBzYWx0QG5vdGF0aW9u
=abcd
-----END PGP SIGNATURE-----
`;

/** `read(text)` with the flat reader and with the full reader alone. */
function both<T>(read: () => T): { flat: T; full: T } {
  try {
    flatReader.enabled = true;
    const flat = read();
    flatReader.enabled = false;
    return { flat, full: read() };
  } finally {
    flatReader.enabled = true;
  }
}

function sameAsFull<T>(read: () => T, what: string): T {
  const { flat, full } = both(read);
  assert.deepEqual(flat, full, what);
  return flat;
}

/** Each line of `text` changed by each mutation, one at a time. */
function mutations(text: string): string[] {
  const lines = text.split('\n');
  const edits: ((line: string) => string)[] = [
    (l) => `${l} # note`, (l) => `\t${l}`, (l) => ` ${l}`, (l) => l.replace(': ', ':'), (l) => l.replace(': ', ':   '),
    (l) => l.replace(/: (.*)$/, ': "$1"'), (l) => l.replace(/: (.*)$/, ": '$1'"), (l) => l.replace(/: (.*)$/, ': "a\\"b"'),
    (l) => l.replace(/: (.*)$/, ": 'it''s'"), (l) => l.replace(/: (.*)$/, ': 1.10'), (l) => l.replace(/: (.*)$/, ': on'),
    (l) => l.replace(/: (.*)$/, ': ~'), (l) => l.replace(/: (.*)$/, ': '), (l) => l.replace(/: (.*)$/, ': a: b'),
    (l) => l.replace(/: (.*)$/, ': [a, b]'), (l) => l.replace(/: (.*)$/, ': &x a'), (l) => l.replace(/: (.*)$/, ': !!str a'),
    (l) => l.replace(/: (.*)$/, ': a\n  continued'), (l) => l.replace(/: (.*)$/, ': |\n  block'), (l) => l.replace(/^(\w+)/, 'null'),
    (l) => l.replace(/^(\w+)/, 'Name'), (l) => l.replace(/^(\w+)/, '"$1"'), (l) => `${l}\n${l}`, (l) => `${l}\r`, (l) => `${l}é`,
    (l) => l.replace(/: (.*)$/, ': http://x.example/a:b'), (l) => l.replace(/: (.*)$/, ': a:'), (l) => l.replace(/: (.*)$/, ': -1'),
    (l) => `---\n${l}`, (l) => `${l}\n...`, (l) => l.replace(/: (.*)$/, ': "\u2028"'), (l) => l.replace(/: (.*)$/, ': x #y'),
    // Comment and blank lines, which the flat reader passes over without reading them.
    (l) => `#${l}`, (l) => `  # ${l}`, (l) => `   #${l}`, (l) => `${l}\n   `, (l) => `${l}\n#`, (l) => `${l}\n \t# x`, (l) => `${l}\n  #: x`,
    (l) => `${l}\n\n\n`, () => ' ', () => '#', (l) => l.replace(/^(\w+)/, '#$1'), (l) => l.replace(/^(\w+)/, '$1#'),
  ];
  return lines.flatMap((_, i) => edits.map((edit) => [...lines.slice(0, i), edit(lines[i]), ...lines.slice(i + 1)].join('\n')));
}

/** A deterministic stream of texts made of the pieces YAML cares about. */
function randomTexts(count: number, seed: number): string[] {
  const pieces = ['name', 'version', 'apiVersion', 'a', 'on', 'null', ': ', ':', ' ', '  ', '\n', '\n  ', '#', '"', "'", '-', '- ',
    '1.10', '0.1.0', 'v2', '~', '\t', '[', '{', '&a', '*a', '!t', '|', '>', '...', '---', 'x.tgz', 'sha256:ab', '\\'];
  let state = seed;
  const next = () => { state = (state * 1103515245 + 12345) % 2 ** 31; return state; };
  return Array.from({ length: count }, () => {
    let text = '';
    const length = 3 + (next() % 40);
    for (let i = 0; i < length; i++) text += pieces[next() % pieces.length];
    return text;
  });
}

describe('the flat YAML reader says what the full reader says', () => {
  test('on every .prov and archive of the test corpus', () => {
    let provs = 0;
    let archives = 0;
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (entry.name.endsWith('.prov')) { sameAsFull(() => parseProvenance(fs.readFileSync(file, 'utf8')), file); provs++; }
        else if (entry.name.endsWith('.tgz')) { sameAsFull(() => readChartArchiveBytes(fs.readFileSync(file), entry.name), file); archives++; }
      }
    };
    walk(FIXTURES);
    assert.ok(provs >= 30 && archives >= 30, `${provs} .prov files, ${archives} archives`);
  });

  test('on every one-line mutation of a Chart.yaml from helm create', () => {
    const texts = mutations(HELM_CREATE_CHART_YAML);
    let flatTaken = 0;
    for (const text of texts) {
      sameAsFull(() => parseChartYaml(text), JSON.stringify(text));
      if (readFlatMapping(text)) flatTaken++;
    }
    // Both kinds are exercised: texts the flat reader takes, and texts it leaves to the full reader.
    assert.ok(flatTaken > 50 && flatTaken < texts.length - 50, `${flatTaken} of ${texts.length} read flat`);
  });

  test('on every one-line mutation of the signed text of a .prov written by Helm', () => {
    for (const text of mutations(HELM_PROV)) sameAsFull(() => parseProvenance(text), JSON.stringify(text));
  });

  test('on random texts, as a Chart.yaml and as the signed metadata and files of a .prov', () => {
    for (const text of randomTexts(1000, 7)) {
      sameAsFull(() => parseChartYaml(`${text}\n`), JSON.stringify(text));
      sameAsFull(() => parseProvenance(HELM_PROV.replace('type: application', text)), JSON.stringify(text));
      sameAsFull(() => parseProvenance(HELM_PROV.replace('  hello-0.1.0.tgz', `  ${text}`)), JSON.stringify(text));
    }
  });
});

describe('what reaches the YAML library', () => {
  test('a chart from helm create and its Helm-written .prov: no YAML library parse at all (was three)', () => {
    resetWork();
    const meta = parseChartYaml(HELM_CREATE_CHART_YAML);
    const doc = parseProvenance(HELM_PROV);
    assert.ok(meta.ok && meta.value.appVersion === '1.16.0' && meta.value.version === '0.1.0');
    assert.equal(doc.problems.length, 0);
    assert.equal(doc.metadata?.name?.value, 'hello');
    assert.equal(doc.files[0]?.hex, 'ad4177717cef6fa8275576c9242a5adf31895e0bd0c8eab0428269e3e5656663');
    assert.equal(workDone()['yaml-bytes'] ?? 0, 0, 'bytes handed to the YAML library');
  });

  test('a Chart.yaml with a nested value still goes to the YAML library, and reads the same', () => {
    const text = `${HELM_CREATE_CHART_YAML}maintainers:\n  - name: Ann\n`;
    resetWork();
    const meta = sameAsFull(() => parseChartYaml(text), 'maintainers');
    assert.deepEqual(meta.ok && meta.value.maintainers, [{ name: 'Ann' }]);
    assert.ok((workDone()['yaml-bytes'] ?? 0) >= text.length * 2, 'read by the full reader in both runs');
  });
});
