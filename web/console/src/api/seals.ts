// Electronic seals (/api/v1/seals), PDF stamping (/api/v1/pdf/sign) and PDF verification (/api/v1/pdf/verify).
// Shapes follow src/server/api_seals.cpp, api_pdf.cpp and api_pdf_verify.cpp.
import { buildUrl, http } from './client';
import { PATHS } from './paths';
import type { SealKind } from './operations';

export type SealState = 'made' | 'active' | 'suspended' | 'revoked';
export const SEAL_STATES: SealState[] = ['made', 'active', 'suspended', 'revoked'];
export type SealType = 'organisation' | 'personal';
export type DocMdp = 'none' | 'no-changes' | 'form-fill' | 'annotations';
export const DOCMDP: DocMdp[] = ['none', 'no-changes', 'form-fill', 'annotations'];

export interface SealCertificate {
  key_name: string;
  server_held: boolean;
  subject: string;
  issuer: string;
  serial: string;
  algorithm: string;
  not_after: string;
  sha256: string;
}

export interface Seal {
  id: string;
  name: string;
  type: SealType;
  owner: string;
  version: number;
  state: SealState;
  state_reason: string;
  docmdp: DocMdp;
  width_mm: number;
  height_mm: number;
  valid_start: string;
  valid_end: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  certificates: SealCertificate[];
}

export interface SealQuery {
  state?: SealState;
  type?: SealType;
  owner?: string;
  name?: string;
}

export interface NewSeal {
  name: string;
  type: SealType;
  owner?: string;
  version?: 2 | 4;
  keys?: string[];
  template?: { kind: SealKind; name?: string; text?: string; code?: string; dpi?: number };
  picture_png?: string;
  width_mm?: number;
  height_mm?: number;
  valid_start?: string;
  valid_end?: string;
  docmdp?: DocMdp;
  activate?: boolean;
}

export interface SealUser {
  id: string;
  username: string;
  display_name: string;
  created_at: string;
  certificate?: { subject: string; sha256: string };
}

export interface SealGrant {
  seal_id: string;
  user_id: string;
  granted_by: string;
  granted_at: string;
}

export type SealEventAction = 'made' | 'activated' | 'suspended' | 'resumed' | 'revoked' | 'granted' | 'grant_withdrawn';

/** One entry of a seal's state history (GET /api/v1/seals/{id}/history), oldest first. */
export interface SealEvent {
  seq: number;
  at: string;
  actor: string;
  /** Client address, "cli", or "migration" for a seal made before the history existed. */
  source: string;
  action: SealEventAction;
  from_state: SealState | null;
  to_state: SealState;
  reason: string;
  user?: { id: string; display_name: string };
}

export type Certify = 'none' | 'no-changes' | 'form-fill' | 'annotations';

export interface PdfSignOptions {
  seal: string;
  page?: number;
  viewer_x?: number;
  viewer_y?: number;
  keyword?: string;
  occurrence?: 'first' | 'last' | 'all';
  dx?: number;
  dy?: number;
  tsa?: string;
  certify?: Certify;
  reason?: string;
  location?: string;
}

export interface PdfProblem {
  code: string;
  message: string;
}

export interface PdfSignatureReport {
  field: string;
  kind: 'approval' | 'certification' | 'document_timestamp' | string;
  status: string;
  sub_filter?: string;
  byte_range?: number[];
  byte_range_valid?: boolean;
  covers_whole_document?: boolean;
  revision?: number;
  integrity?: 'valid' | 'invalid' | 'unknown' | string;
  flavor?: string;
  digest_algorithm?: string;
  signer?: string;
  certificate?: { status?: string; reason?: string; detail?: string; validated_at?: string; chain?: unknown[] };
  time?: string;
  time_source?: 'timestamp' | 'claimed_signing_time' | 'claimed_m' | 'none' | string;
  timestamp?: unknown;
  docmdp_permission?: number | string | null;
  changes_after?: unknown;
  docmdp_violations?: unknown;
  ses?: unknown;
  problems?: PdfProblem[];
  [key: string]: unknown;
}

export interface PdfVerifyReport {
  status: 'valid' | 'invalid' | 'indeterminate' | 'unsigned' | string;
  file_size?: number;
  revisions?: number;
  encrypted?: boolean;
  policy?: string;
  verified_at?: string;
  warnings?: unknown[];
  signatures: PdfSignatureReport[];
}

const { request, json } = http;
const items = <T,>(p: Promise<{ items: T[] }>) => p.then((r) => r.items);

/** Base64 of a blob's bytes (uploads inside JSON). */
export async function blobBase64(b: Blob): Promise<string> {
  const buf = new Uint8Array(await b.arrayBuffer());
  let bin = '';
  for (let i = 0; i < buf.length; i += 0x8000) bin += String.fromCharCode(...buf.subarray(i, i + 0x8000));
  return btoa(bin);
}

export const sealOps = {
  list: (q: SealQuery) => items<Seal>(json('GET', PATHS.seals, { query: { ...q } })),
  get: (id: string) => json<Seal>('GET', PATHS.seal, { params: { id } }),
  make: (s: NewSeal) => json<Seal>('POST', PATHS.seals, { json: s }),
  activate: (id: string) => json<Seal>('POST', PATHS.sealActivate, { params: { id } }),
  suspend: (id: string, reason: string) => json<Seal>('POST', PATHS.sealSuspend, { params: { id }, json: { reason } }),
  resume: (id: string) => json<Seal>('POST', PATHS.sealResume, { params: { id } }),
  revoke: (id: string, reason: string) => json<Seal>('POST', PATHS.sealRevoke, { params: { id }, json: { reason } }),
  history: (id: string) => items<SealEvent>(json('GET', PATHS.sealHistory, { params: { id } })),
  pictureUrl: (id: string, version = '') => buildUrl(PATHS.sealPicture, { params: { id }, query: { v: version || undefined } }),
  picture: async (id: string) => (await request('GET', PATHS.sealPicture, { params: { id } })).blob(),
  esealUrl: (id: string) => buildUrl(PATHS.sealEseal, { params: { id } }),
  grants: (id: string) => items<SealGrant>(json('GET', PATHS.sealGrants, { params: { id } })),
  grant: (id: string, user_id: string) => json<SealGrant>('POST', PATHS.sealGrants, { params: { id }, json: { user_id } }),
  ungrant: (id: string, user_id: string) => json('DELETE', PATHS.sealGrant, { params: { id, user_id } }),
  users: () => items<SealUser>(json('GET', PATHS.sealUsers)),
  addUser: (u: { username?: string; display_name?: string; certificate?: string }) =>
    json<SealUser>('POST', PATHS.sealUsers, { json: u }),
  removeUser: (user_id: string) => json('DELETE', PATHS.sealUser, { params: { user_id } }),

  /** Stamps the PDF; answers the signed PDF and the name of the new signature field. */
  signPdf: async (pdf: Blob, o: PdfSignOptions) => {
    const query: Record<string, string | number | undefined> = {};
    for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') query[k] = typeof v === 'number' ? Number(v.toFixed(2)) : v;
    const res = await request('POST', PATHS.pdfSign, { query, binary: pdf, contentType: 'application/pdf' });
    return { blob: await res.blob(), field: res.headers.get('X-Signature-Field') ?? '' };
  },
  verifyPdf: (pdf: Blob, policy?: string) =>
    json<PdfVerifyReport>('POST', PATHS.pdfVerify, { query: { policy }, binary: pdf, contentType: 'application/pdf' }),
};
