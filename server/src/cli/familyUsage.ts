// The usage entries of the command families whose options are not in COMMAND_SPECS (Sigstore, registries,
// policy, doctor), as plain data: `--help`, the usage text and a usage error print them without loading
// the commands themselves (helmProv.ts loads a command's code only when it runs).

export const SIGSTORE_USAGE = `  verify-blob <artifact|sha256:HEX> (--bundle F | --signature F.sig [--certificate F.cert] [--rekor-entry F.json]
              | --key F.pub (--bundle F | --signature F.sig [--rekor-entry F.json]))
              [--certificate-identity S | --certificate-identity-regexp R]
              [--certificate-oidc-issuer S | --certificate-oidc-issuer-regexp R]
              [--trusted-root F] [--staging] [--insecure-ignore-tlog] [--json]
                          verify a cosign / Sigstore signature offline (regexps match the whole value)
  verify-bundle --bundle F (--certificate-identity I --certificate-oidc-issuer U | --key F) [--staging]
              [--trusted-root F] <file|sha256:HEX>
                          the sigstore-conformance client protocol
  sigstore init --mirror URL --root root.json    trust a private Sigstore TUF repository from its root
  sigstore update-root [--mirror URL]            refresh the trusted root through TUF (network)
  sigstore root [--staging] [--json]             which trusted root is in use, and how old it is`;

export const OCI_USAGE = `  verify oci://host/repo/chart:version... [--keyring F]... [--trust FPR]... [--json] [-d|--destination DIR]
              [--plain-http] [--ca-file F] [--registry-config F]... [--max-layer-bytes N] [--timeout S]
              [--cosign-key F | --certificate-identity[-regexp] S --certificate-oidc-issuer[-regexp] S] [--trusted-root F]
                          pull a chart from an OCI registry into memory and verify its .prov layer
                          (written to DIR only when verified) and, when asked, its cosign signature
  verify --repo URL <chart> --version V [--keyring F]... [--trust FPR]... [--json] [-d|--destination DIR] [--plain-http] [--ca-file F]
                          the same for a classic chart repository: index.yaml's digest, then <archive URL>.prov
  deps <chart-dir> [--keyring F]... [--trust FPR]... [--json] [--plain-http] [--ca-file F] [--registry-config F]... [--timeout S]
                          verify every dependency in Chart.yaml (OCI or repository) at its Chart.lock version,
                          and that Chart.lock's digest still matches Chart.yaml
  push <chart.tgz> oci://host/repo [--plain-http] [--ca-file F] [--registry-config F]... [--timeout S]
                          push a chart and its .prov (beside it) as helm push does`;

export const POLICY_USAGE = `  policy lint <policy.json> [--registries-d DIR] [--json]
                          check a containers-policy.json (and registries.d) as CRI-O, Podman and Skopeo
                          read them; exit 1 on errors, 0 with warnings only
  policy explain <policy.json> <image-ref> [--registries-d DIR]
                          which scope applies to an image, every requirement, where signatures are read
  verify-image-signature --policy F [--registries-d DIR] <image-ref> --manifest-digest sha256:HEX
              (--signature F... | --lookaside-dir DIR) [--json]
                          verify simple-signing GPG image signatures against the policy (no gpg needed)`;

export const DOCTOR_USAGE = `  doctor [--gpg PATH] [--gpg-home DIR] [--vscode-settings F] [--json]
                          what signing and verification here will use: gpg (path, version, agent),
                          the GnuPG home and its keyrings, the backend the VS Code settings select`;
