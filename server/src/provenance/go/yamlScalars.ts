// What an unquoted YAML scalar means to Helm, from go-yaml v2.4's resolver (YAML 1.1 scalars) behind
// sigs.k8s.io/yaml, so Chart.yaml is read as Helm reads it (`on` is a bool, `1.10` a float, `010` octal
// 8); and Go's shortest float formatting, in which Helm turns such a value back into text.
export type GoScalar =
  | { kind: 'null' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint }
  | { kind: 'uint'; value: bigint }
  | { kind: 'float'; value: number }
  /** go-yaml hands timestamp-looking scalars to interface{} targets as their text. */
  | { kind: 'timestamp' }
  | { kind: 'str' };

const BOOLS: Record<string, boolean> = {};
for (const s of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']) BOOLS[s] = true;
for (const s of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']) BOOLS[s] = false;
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const SPECIAL_FLOATS: Record<string, number> = {
  '.nan': NaN, '.NaN': NaN, '.NAN': NaN,
  '.inf': Infinity, '.Inf': Infinity, '.INF': Infinity, '+.inf': Infinity, '+.Inf': Infinity, '+.INF': Infinity,
  '-.inf': -Infinity, '-.Inf': -Infinity, '-.INF': -Infinity,
};
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** What go-yaml v2 makes of an unquoted, untagged scalar (its `resolve("", s)`). */
export function resolvePlainScalar(text: string): GoScalar {
  const first = text.charAt(0);
  const hint = text === '' ? 'N'
    : first === '+' || first === '-' ? 'S'
      : first >= '0' && first <= '9' ? 'D'
        : 'yYnNtTfFoO~'.includes(first) ? 'M'
          : first === '.' ? '.' : '';
  if (hint === '') return { kind: 'str' };
  // Two dots or more (a version such as 0.1.0): no bool, null, int, float or timestamp form below has more than one.
  if (text.indexOf('.', text.indexOf('.') + 1) >= 0) return { kind: 'str' };
  if (text in BOOLS) return { kind: 'bool', value: BOOLS[text] };
  if (NULLS.has(text)) return { kind: 'null' };
  if (text in SPECIAL_FLOATS) return { kind: 'float', value: SPECIAL_FLOATS[text] };
  if (hint === '.') {
    const f = /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) ? Number(text) : NaN;
    return Number.isFinite(f) ? { kind: 'float', value: f } : { kind: 'str' };
  }
  if (hint === 'D' || hint === 'S') {
    if (isGoTimestamp(text)) return { kind: 'timestamp' };
    const plain = text.replace(/_/g, '');
    const signed = parseGoInt(plain, true);
    if (signed !== undefined && signed >= INT64_MIN && signed <= INT64_MAX) return { kind: 'int', value: signed };
    const unsigned = parseGoInt(plain, false);
    if (unsigned !== undefined && unsigned <= UINT64_MAX) return { kind: 'uint', value: unsigned };
    if (YAML_STYLE_FLOAT.test(plain)) {
      const f = Number(plain);
      // Go's ParseFloat fails on overflow; go-yaml then keeps the text as a string.
      if (Number.isFinite(f)) return { kind: 'float', value: f };
    }
    const binary = /^(-?)0b([01]+)$/.exec(plain);
    if (binary) {
      const v = BigInt(`0b${binary[2]}`) * (binary[1] ? -1n : 1n);
      if (v >= INT64_MIN && v <= (binary[1] ? INT64_MAX : UINT64_MAX)) {
        return v > INT64_MAX ? { kind: 'uint', value: v } : { kind: 'int', value: v };
      }
    }
  }
  return { kind: 'str' };
}

/** strconv.ParseInt/ParseUint(s, 0, 64) syntax: optional sign (signed only), 0x/0o/0b/0 prefixes. */
function parseGoInt(s: string, signed: boolean): bigint | undefined {
  let body = s;
  let negative = false;
  if (signed && (body.startsWith('+') || body.startsWith('-'))) {
    negative = body.startsWith('-');
    body = body.slice(1);
  }
  let digits: string;
  let radix: number;
  const prefix = body.slice(0, 2).toLowerCase();
  if (prefix === '0x') { radix = 16; digits = body.slice(2); }
  else if (prefix === '0o') { radix = 8; digits = body.slice(2); }
  else if (prefix === '0b') { radix = 2; digits = body.slice(2); }
  else if (body.length > 1 && body.startsWith('0')) { radix = 8; digits = body.slice(1); }
  else { radix = 10; digits = body; }
  const alphabet = '0123456789abcdef'.slice(0, radix);
  if (digits === '' || [...digits.toLowerCase()].some((c) => !alphabet.includes(c))) return undefined;
  const prefixes: Record<number, string> = { 16: '0x', 8: '0o', 2: '0b', 10: '' };
  const value = BigInt(`${prefixes[radix]}${digits}`);
  return negative ? -value : value;
}

/** The timestamp layouts go-yaml v2 tries with Go's time.Parse (day and time ranges checked). */
function isGoTimestamp(s: string): boolean {
  if (!/^[0-9]{4}-/.test(s)) return false;
  const m = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:([Tt])|( ))([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?(Z|[-+][0-9]{2}:[0-9]{2})?)?$/.exec(s);
  if (!m) return false;
  const [, year, month, day, tee, space, hour, minute, second, zone] = m;
  if (tee && !zone) return false;
  if (space && zone) return false;
  const y = Number(year), mo = Number(month), d = Number(day);
  if (mo < 1 || mo > 12) return false;
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d < 1 || d > daysInMonth) return false;
  if (hour !== undefined && (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59)) return false;
  return true;
}

/** strconv.FormatFloat(value, 'g', -1, bits): shortest digits that round-trip, %e beyond 1e21-ish rules. */
export function formatGoFloat(value: number, bits: 32 | 64): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const x = bits === 32 ? Math.fround(value) : value;
  let exponential = x.toExponential();
  if (bits === 32) {
    for (let p = 1; p <= 9; p++) {
      const candidate = x.toExponential(p - 1);
      if (Math.fround(Number(candidate)) === x) { exponential = candidate; break; }
    }
  }
  const m = /^(-?)(\d)(?:\.(\d+))?e([-+]\d+)$/.exec(exponential);
  if (!m) return String(x);
  const [, sign, lead, rest = '', expText] = m;
  const digits = lead + rest;
  const exp = Number(expText);
  // Go's %g with shortest digits uses %e when the exponent is < -4 or >= 6 (its eprec is 6).
  if (exp < -4 || exp >= 6) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  const dp = exp + 1;
  if (dp <= 0) return `${sign}0.${'0'.repeat(-dp)}${digits}`;
  if (digits.length <= dp) return `${sign}${digits}${'0'.repeat(dp - digits.length)}`;
  return `${sign}${digits.slice(0, dp)}.${digits.slice(dp)}`;
}

