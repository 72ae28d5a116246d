// Looking up the signers of a signature nobody here knows (`verify --fetch-keys`): each issuer the
// signature names, on the keyservers given, and — with WKD — at the addresses the signature itself names
// in Signer's User ID subpackets. Those are claims of whoever made the signature: hints for where to
// look, and a key found there still has to hold the exact issuer fingerprint.
import * as openpgp from 'openpgp';
import { lookUpKey, lookupTargetOf, type LookupOptions, type LookupPlaces, type LookupReport } from './lookup';
import { emailOf } from './servedKey';

/** At most this many addresses are taken from one signature (a real one names none or one). */
const MAX_SIGNATURE_EMAILS = 4;

/** The addresses in the signature's Signer's User ID subpackets; none when it cannot be read. */
export async function signatureEmails(armoredSignature: string): Promise<string[]> {
  try {
    const signature = await openpgp.readSignature({ armoredSignature });
    const ids = signature.packets.map((p) => (p as openpgp.SignaturePacket).signersUserID).filter((u): u is string => typeof u === 'string');
    return [...new Set(ids.map(emailOf).filter((e): e is string => e !== undefined))].slice(0, MAX_SIGNATURE_EMAILS);
  } catch {
    return [];
  }
}

/** One report per issuer that names a key (fingerprint or key id). */
export async function lookUpSigners(issuers: readonly string[], armoredSignature: string | undefined, places: LookupPlaces, options: LookupOptions = {}): Promise<{ issuer: string; report: LookupReport }[]> {
  const emails = places.wkd && armoredSignature ? await signatureEmails(armoredSignature) : [];
  const reports: { issuer: string; report: LookupReport }[] = [];
  for (const issuer of issuers) {
    const target = lookupTargetOf(issuer);
    if (!target || target.email) continue;
    reports.push({ issuer, report: await lookUpKey(target, { ...places, emails: [...(places.emails ?? []), ...emails] }, options) });
  }
  return reports;
}
