/**
 * Which PLCs the bridge trusts: a signed or encrypted OPC UA session opens only to a server
 * whose certificate is in the trust list (`.data/pki/trusted`). A PLC's certificate first
 * seen is refused, and node-opcua keeps it in the machine's `rejected` folder; a person
 * looks at its thumbprint (`npm run cli -- trust-plc`) and trusts it
 * (`npm run cli -- trust-plc <thumbprint>`), and the next attempt to connect takes it.
 */
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

export interface PlcCertificate {
  /** SHA-1 of the certificate, as OPC UA tools show it: 40 hexadecimal digits. */
  thumbprint: string;
  subject: string;
  validTo: string;
  file: string;
}

function read(file: string): PlcCertificate | undefined {
  try {
    const certificate = new X509Certificate(readFileSync(file));
    return { thumbprint: certificate.fingerprint.replace(/:/g, '').toLowerCase(), subject: certificate.subject.replace(/\n/g, ', '), validTo: certificate.validTo, file };
  } catch {
    return undefined;
  }
}

function certificatesIn(folder: string): PlcCertificate[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => /\.(pem|der)$/i.test(f))
    .flatMap((f) => read(path.join(folder, f)) ?? []);
}

/** The certificates in the trust list. */
export function trustedPlcCertificates(trustFolder: string): PlcCertificate[] {
  return certificatesIn(trustFolder);
}

/** The PLC certificates a machine's client refused, every machine under the PKI folder, not yet trusted. */
export function refusedPlcCertificates(pkiFolder: string, trustFolder: string): PlcCertificate[] {
  if (!existsSync(pkiFolder)) return [];
  const trusted = new Set(trustedPlcCertificates(trustFolder).map((c) => c.thumbprint));
  const seen = new Set<string>();
  return readdirSync(pkiFolder, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    // node-opcua keeps a refused certificate in `rejected/` (older versions in `rejected/certs/`).
    .flatMap((d) => [...certificatesIn(path.join(pkiFolder, d.name, 'rejected')), ...certificatesIn(path.join(pkiFolder, d.name, 'rejected', 'certs'))])
    .filter((c) => !trusted.has(c.thumbprint) && !seen.has(c.thumbprint) && seen.add(c.thumbprint));
}

/** Puts a refused certificate, named by its thumbprint, in the trust list; the certificate, or undefined when none has that thumbprint. */
export function trustPlcCertificate(pkiFolder: string, trustFolder: string, thumbprint: string): PlcCertificate | undefined {
  const wanted = thumbprint.replace(/:/g, '').toLowerCase();
  const found = refusedPlcCertificates(pkiFolder, trustFolder).find((c) => c.thumbprint === wanted);
  if (!found) return undefined;
  mkdirSync(trustFolder, { recursive: true });
  copyFileSync(found.file, path.join(trustFolder, `${wanted}${path.extname(found.file)}`));
  return found;
}

/**
 * Gives a machine's client the trust list as it is now (node-opcua reads
 * `<its folder>/trusted/certs`), taking a newly trusted certificate out of its `rejected`
 * folder; how many certificates are new to it (then it needs a client that reads them).
 */
export function shareTrustList(trustFolder: string, clientFolder: string): number {
  const certs = path.join(clientFolder, 'trusted', 'certs');
  mkdirSync(certs, { recursive: true });
  const rejected = [...certificatesIn(path.join(clientFolder, 'rejected')), ...certificatesIn(path.join(clientFolder, 'rejected', 'certs'))];
  let added = 0;
  for (const c of trustedPlcCertificates(trustFolder)) {
    const target = path.join(certs, path.basename(c.file));
    if (existsSync(target)) continue;
    copyFileSync(c.file, target);
    for (const r of rejected.filter((r) => r.thumbprint === c.thumbprint)) rmSync(r.file, { force: true });
    added++;
  }
  return added;
}
