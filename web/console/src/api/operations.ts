// The operator's certificate APIs: trust anchors, projects, policies and CRLs (/api/v1/pki), the embedded
// CA (/api/v1/ca), TSA unit management (/api/v1/tsa/units, ca-certificates) and seal pictures
// (/api/v1/seal-images). Shapes follow src/server/api_{pki,ca,tsa_admin,seal_images}.cpp.
import { buildUrl, http } from './client';
import { PATHS } from './paths';

export interface CertSummary {
  subject: string;
  issuer: string;
  serial: string;
  algorithm: string;
  not_before: string;
  not_after: string;
  sha256: string;
}

export interface PkiCertificate extends CertSummary {
  fingerprint: string;
  kind: 'anchor' | 'intermediate';
  added_at: string | null;
  added_by: string;
  pem: string;
}

export type Purpose = 'any' | 'document_signing' | 'timestamping' | 'tls_client' | 'tls_server' | 'encryption' | 'ca';
export const PURPOSES: Purpose[] = ['any', 'document_signing', 'timestamping', 'tls_client', 'tls_server', 'encryption', 'ca'];
export type RevocationMode = 'off' | 'crl_required' | 'crl_best_effort';
export const REVOCATION_MODES: RevocationMode[] = ['crl_best_effort', 'crl_required', 'off'];
export type ListMode = 'none' | 'whitelist' | 'blacklist';
export const LIST_MODES: ListMode[] = ['none', 'whitelist', 'blacklist'];
export type CrlFailure = 'project' | 'fail_closed' | 'soft_fail';
export const CRL_FAILURES: CrlFailure[] = ['project', 'fail_closed', 'soft_fail'];

export interface PkiProject {
  name: string;
  description: string;
  anchors: string[];
  purpose: Purpose;
  revocation: RevocationMode;
  crl_grace_ms: number;
  list_mode: ListMode;
  list: string[];
  max_path_length: number;
}

export interface PkiPolicy {
  name: string;
  description: string;
  projects: string[];
  crl_failure: CrlFailure;
}

export interface CrlSource {
  id: number;
  ca_fingerprint: string;
  url: string;
  interval_s: number;
  timeout_ms: number;
  enabled: boolean;
  last_fetch_at: string | null;
  last_status: string;
  last_error: string;
  next_fetch_at: string | null;
  crl_next_update: string | null;
}

export interface StoredCrl {
  ca_fingerprint: string;
  issuer: string;
  this_update: string | null;
  next_update: string | null;
  crl_number: string;
  revoked: number;
  source: string;
  stored_at: string | null;
}

export interface VerifyResult {
  valid: boolean;
  reason: string;
  detail: string;
  project: string;
  policy: string;
  at: string;
  chain: CertSummary[];
  revocation?: { serial: string; revocation_time: string; reason: string | null; invalidity_date?: string };
}

export interface CaAuthority {
  name: string;
  parent: string | null;
  kind: 'root' | 'intermediate';
  algorithm: string;
  subject: string;
  serial: string;
  not_before: string;
  not_after: string;
  sha256: string;
  crl_url: string;
  policies: string[];
  crl_interval_s: number;
  crl_number: number;
  crl_this_update: string;
  crl_next_update: string;
  created_at: string;
  certificate: string;
}

export type CaProfile = 'personal-signing' | 'personal-encryption' | 'organization' | 'device' | 'tablet' | 'tls-server';
export const CA_PROFILES: CaProfile[] = ['personal-signing', 'personal-encryption', 'organization', 'device', 'tablet', 'tls-server'];
export const CA_KEY_ALGORITHMS = ['sm2', 'ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-3072'] as const;
export const REVOKE_REASONS = ['unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded',
  'cessationOfOperation', 'certificateHold', 'privilegeWithdrawn'] as const;

export interface IssuedCertificate {
  serial: string;
  ca: string;
  profile: CaProfile;
  subject: string;
  algorithm: string;
  not_before: string;
  not_after: string;
  issued_at: string;
  status: 'valid' | 'revoked';
  key_held: boolean;
  sha256: string;
  revoked_at?: string;
  reason?: string;
  certificate?: string;
}

export interface IssueRequest {
  profile: CaProfile;
  csr?: string;
  generate_key?: string;
  subject?: string;
  days?: number;
  dns_names?: string[];
  ip_addresses?: string[];
  emails?: string[];
  identity?: Record<string, string>;
}

export interface IssuedQuery {
  ca?: string;
  profile?: string;
  status?: string;
  subject?: string;
  page?: number;
  page_size?: number;
}

export interface TsaCaCertificate extends CertSummary {
  pem: string;
}

export type SealKind = 'round' | 'oval' | 'square' | 'name' | 'name-rect';

export interface SealRenderRequest {
  kind: SealKind;
  name: string;
  text?: string;
  code?: string;
  width_mm?: number;
  height_mm?: number;
  dpi?: number;
  star?: boolean;
  worn?: boolean;
  colour?: string;
}

export interface SealPicture {
  blob: Blob;
  widthMm: number;
  heightMm: number;
}

const { request, json } = http;
const items = <T,>(p: Promise<{ items: T[] }>) => p.then((r) => r.items);

/** A file's bytes for upload: PEM text as is, anything else (DER) as Base64. */
export async function certificateText(file: File): Promise<string> {
  const buf = new Uint8Array(await file.arrayBuffer());
  const head = new TextDecoder('latin1').decode(buf.subarray(0, Math.min(buf.length, 4096)));
  if (head.includes('-----BEGIN')) return new TextDecoder().decode(buf);
  let bin = '';
  for (let i = 0; i < buf.length; i += 0x8000) bin += String.fromCharCode(...buf.subarray(i, i + 0x8000));
  return btoa(bin);
}

async function fileDownload(res: Response, fallback: string) {
  const cd = res.headers.get('Content-Disposition') ?? '';
  return { blob: await res.blob(), filename: /filename="([^"]+)"/.exec(cd)?.[1] ?? fallback };
}

export const ops = {
  // ---- trust ----
  anchors: () => items<PkiCertificate>(json('GET', PATHS.pkiAnchors)),
  addAnchors: (certificate: string) =>
    items<PkiCertificate>(json('POST', PATHS.pkiAnchors, { json: { certificate } })),
  removeAnchor: (fingerprint: string) => json('DELETE', PATHS.pkiAnchor, { params: { fingerprint } }),
  intermediates: () => items<PkiCertificate>(json('GET', PATHS.pkiIntermediates)),
  addIntermediates: (certificate: string) =>
    items<PkiCertificate>(json('POST', PATHS.pkiIntermediates, { json: { certificate } })),
  removeIntermediate: (fingerprint: string) => json('DELETE', PATHS.pkiIntermediate, { params: { fingerprint } }),
  projects: () => items<PkiProject>(json('GET', PATHS.pkiProjects)),
  createProject: (p: Omit<PkiProject, 'list'>) => json<PkiProject>('POST', PATHS.pkiProjects, { json: p }),
  updateProject: (p: Omit<PkiProject, 'list'>) =>
    json<PkiProject>('PUT', PATHS.pkiProject, { params: { name: p.name }, json: p }),
  removeProject: (name: string) => json('DELETE', PATHS.pkiProject, { params: { name } }),
  addToList: (name: string, entry: { fingerprint?: string; certificate?: string }) =>
    json<{ fingerprint: string; project: PkiProject }>('POST', PATHS.pkiProjectList, { params: { name }, json: entry }),
  removeFromList: (name: string, fingerprint: string) =>
    json('DELETE', PATHS.pkiProjectListEntry, { params: { name, fingerprint } }),
  policies: () => items<PkiPolicy>(json('GET', PATHS.pkiPolicies)),
  createPolicy: (p: PkiPolicy) => json<PkiPolicy>('POST', PATHS.pkiPolicies, { json: p }),
  updatePolicy: (p: PkiPolicy) => json<PkiPolicy>('PUT', PATHS.pkiPolicy, { params: { name: p.name }, json: p }),
  removePolicy: (name: string) => json('DELETE', PATHS.pkiPolicy, { params: { name } }),
  crlSources: () => items<CrlSource>(json('GET', PATHS.pkiCrlSources)),
  addCrlSource: (s: Partial<CrlSource>) => json<CrlSource>('POST', PATHS.pkiCrlSources, { json: s }),
  updateCrlSource: (id: number, s: Partial<CrlSource>) =>
    json<CrlSource>('PUT', PATHS.pkiCrlSource, { params: { id }, json: s }),
  removeCrlSource: (id: number) => json('DELETE', PATHS.pkiCrlSource, { params: { id } }),
  fetchCrlSource: (id: number) => json<CrlSource>('POST', PATHS.pkiCrlSourceFetch, { params: { id } }),
  crls: () => items<StoredCrl>(json('GET', PATHS.pkiCrls)),
  uploadCrl: (crl: string, ca_fingerprint?: string) =>
    json<StoredCrl>('POST', PATHS.pkiCrls, { json: { crl, ca_fingerprint: ca_fingerprint || undefined } }),
  verify: (policy: string, certificate: string, at?: string) =>
    json<VerifyResult>('POST', PATHS.pkiVerify, { json: { policy, certificate, at } }),

  // ---- embedded CA ----
  authorities: () => json<{ authorities: CaAuthority[] }>('GET', PATHS.caAuthorities).then((r) => r.authorities),
  createAuthority: (a: { name: string; subject: string; parent?: string; algorithm: string; days: number }) =>
    json<CaAuthority>('POST', PATHS.caAuthorities, { json: a }),
  issue: (ca: string, r: IssueRequest) => json<IssuedCertificate>('POST', PATHS.caIssue, { params: { name: ca }, json: r }),
  publishCrl: (ca: string) =>
    json<{ ca: string; crl_number: string; this_update: string; next_update: string; entries: number }>(
      'POST', PATHS.caPublishCrl, { params: { name: ca } }),
  issued: (q: IssuedQuery) =>
    json<{ items: IssuedCertificate[]; total: number; page: number; page_size: number }>('GET', PATHS.caCertificates, {
      query: { ...q },
    }),
  issuedOne: (serial: string) =>
    json<IssuedCertificate & { details: unknown }>('GET', PATHS.caCertificate, { params: { serial } }),
  downloadUrl: (serial: string, format: 'der' | 'pem' | 'p7b') =>
    buildUrl(PATHS.caDownload, { params: { serial }, query: { format } }),
  pkcs12: async (serial: string, password: string) =>
    fileDownload(await request('POST', PATHS.caPkcs12, { params: { serial }, json: { password } }), `${serial}.p12`),
  revoke: (serial: string, reason: string) =>
    json<IssuedCertificate>('POST', PATHS.caRevoke, { params: { serial }, json: { reason } }),
  crlFileUrl: (ca: string) => buildUrl(PATHS.caCrlFile, { params: { file: `${ca}.crl` } }),

  // ---- TSA management ----
  tsaGenerate: (name: string, algorithm: string) =>
    json<{ name: string; algorithm: string; certificate: TsaCaCertificate }>('POST', PATHS.tsaUnits, {
      json: { name, algorithm },
    }),
  tsaCsr: async (name: string) => fileDownload(await request('GET', PATHS.tsaUnitCsr, { params: { name } }), `tsa-${name}.csr`),
  tsaImportCertificate: (name: string, pem: string) =>
    json<{ name: string; certificate: TsaCaCertificate }>('PUT', PATHS.tsaUnitCertificate, {
      params: { name },
      text: pem,
      contentType: 'application/x-pem-file',
    }),
  tsaCaCertificates: () =>
    json<{ certificates: TsaCaCertificate[] }>('GET', PATHS.tsaCaCertificates).then((r) => r.certificates),
  tsaImportCa: (pem: string) =>
    json<TsaCaCertificate>('POST', PATHS.tsaCaCertificates, { text: pem, contentType: 'application/x-pem-file' }),

  // ---- seal pictures ----
  renderSeal: async (r: SealRenderRequest, signal?: AbortSignal): Promise<SealPicture> => {
    const res = await request('POST', PATHS.sealRender, { json: r, signal });
    return {
      blob: await res.blob(),
      widthMm: Number(res.headers.get('X-Seal-Width-Mm') ?? 0),
      heightMm: Number(res.headers.get('X-Seal-Height-Mm') ?? 0),
    };
  },
  cleanImage: async (file: Blob, mode: 'ink' | 'stamp', colour?: string) => {
    const res = await request('POST', PATHS.sealClean, {
      query: { mode, colour },
      binary: file,
      contentType: file.type === 'image/jpeg' ? 'image/jpeg' : 'image/png',
    });
    return { blob: await res.blob(), specks: Number(res.headers.get('X-Specks-Removed') ?? 0) };
  },
};
