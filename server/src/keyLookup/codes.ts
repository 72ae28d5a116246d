// Codes of key look-ups (repository KEYS files, WKD, keyservers) and of the release check. A look-up
// finding a key never makes it trusted: importing it is the user's own act (docs/security.md).

/** What one look-up at one place found. */
export type LookupCode =
  | 'lookup-found' // the place holds a key with the exact fingerprint asked for (or the e-mail address)
  | 'lookup-not-found' // the place answered: no such key
  | 'lookup-other-key' // served one key, but not one holding the fingerprint asked for
  | 'lookup-several-keys' // served more than one key for one fingerprint
  | 'lookup-subkey-missing' // served the right primary key without the (signing) subkey asked for
  | 'lookup-not-a-key' // served bytes that hold no usable OpenPGP key
  | 'lookup-too-large' // the answer passed the byte cap while it was streamed
  | 'lookup-timeout' // no complete answer within the time limit
  | 'lookup-unreachable' // no connection (refused, no such host, TLS failure)
  | 'lookup-http-error'; // any other HTTP status (a redirect is not followed)

/** One line of `helm-prov release-check`. */
export type ReleaseCheckCode =
  | 'release-key-unknown'
  | 'release-can-sign'
  | 'release-cannot-sign'
  | 'release-valid-for-days'
  | 'release-expires-soon'
  | 'release-in-keys'
  | 'release-not-in-keys'
  | 'release-keys-listing-mismatch'
  | 'release-keys-outdated'
  | 'release-published'
  | 'release-not-published'
  | 'release-published-outdated'
  | 'release-artifact-verified'
  | 'release-artifact-rejected';
