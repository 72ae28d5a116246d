// containers-policy.json(5) read as containers/image reads it (signature/policy_config.go): an object
// with `default` (required) and `transports` (transport → scope → requirements), nothing else. Every
// finding has its range; `refusedOnLoad` (policyModel.ts) tells which of them stop the runtime.
import { isMap, type Node } from 'yaml';
import { escapeUntrusted } from '../provenance/untrustedText';
import type { Policy, PolicyProblem, Scope } from './policyModel';
import { parseRequirements } from './requirements';
import { scopeProblem, transportProblem } from './scopes';
import { keyText, kindOf, pairsOf, parseJsonText, problem, type SourceText } from './sourceText';

function parseTransports(src: SourceText, node: Node, policy: Policy, out: PolicyProblem[]): Scope[] {
  if (!isMap(node)) {
    out.push(problem('policy-wrong-type', 'error', `"transports" must be a JSON object (transport name → scopes), not ${kindOf(node)}.`, src.rangeOf(node)));
    return [];
  }
  const scopes: Scope[] = [];
  for (const transportPair of pairsOf(node)) {
    const transport = keyText(transportPair);
    const transportRange = src.rangeOf(transportPair.key);
    const unknown = transportProblem(transport, transportRange);
    if (unknown) out.push(unknown);
    const value = transportPair.value as Node;
    policy.transports.push({ name: transport, keyRange: transportRange, range: src.rangeOf(value) });
    if (!isMap(value)) {
      out.push(problem('policy-wrong-type', 'error', `The scopes of "${escapeUntrusted(transport)}" must be a JSON object (scope → requirements), not ${kindOf(value)}.`, src.rangeOf(value)));
      continue;
    }
    for (const scopePair of pairsOf(value)) {
      const scope = keyText(scopePair);
      const keyRange = src.rangeOf(scopePair.key);
      const invalid = scopeProblem(transport, scope, keyRange);
      if (invalid) out.push(invalid);
      const requirements = parseRequirements(src, scopePair.value as Node, { transport }, out);
      if (requirements) scopes.push({ transport, scope, keyRange, requirements });
    }
  }
  return scopes;
}

/** Parses a policy.json text; never throws. */
export function parsePolicy(text: string): Policy {
  const src = parseJsonText(text);
  const problems: PolicyProblem[] = [...src.problems];
  const policy: Policy = { transports: [], scopes: [], problems };
  if (!src.root) return policy;
  if (!isMap(src.root)) {
    problems.push(problem('policy-wrong-type', 'error', `A policy is a JSON object with "default" and "transports", not ${kindOf(src.root)}.`, src.rangeOf(src.root)));
    return policy;
  }
  let sawDefault = false;
  for (const pair of pairsOf(src.root)) {
    const name = keyText(pair);
    if (name === 'default') {
      if (sawDefault) continue;
      sawDefault = true;
      policy.defaultRange = src.rangeOf(pair.key);
      policy.default = parseRequirements(src, pair.value as Node, {}, problems);
    } else if (name === 'transports') {
      policy.transportsRange = src.rangeOf(pair.key);
      policy.scopes.push(...parseTransports(src, pair.value as Node, policy, problems));
    } else {
      problems.push(problem('policy-unknown-field', 'error', `"${escapeUntrusted(name)}" is not a field of a policy (it has "default" and "transports"); containers/image refuses the whole policy.`, src.rangeOf(pair.key)));
    }
  }
  if (!sawDefault) {
    const start = src.root.range ? src.root.range[0] : 0;
    problems.push(problem('policy-missing-field', 'error', 'The policy has no "default": containers/image refuses it ("Default policy is missing"). Add "default": [{"type": "reject"}] and allow what you trust per transport.', src.rangeAt(start, start + 1)));
  }
  problems.sort((a, b) => a.range!.start.line - b.range!.start.line || a.range!.start.character - b.range!.start.character);
  return policy;
}
