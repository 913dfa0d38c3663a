import { formatTime } from '../format';
import { useI18n } from '../i18n/I18nContext';

interface OidRef { oid: string; name: string; }

/** The server's full JSON view of a certificate (pki::Certificate::to_json). */
export interface CertificateDetails {
  version: number;
  serial: string;
  signature_algorithm: OidRef;
  issuer: { dn: string };
  subject: { dn: string };
  validity: { not_before: { iso: string }; not_after: { iso: string } };
  public_key: { algorithm: OidRef; type: string; bits: number; curve?: OidRef };
  extensions: (OidRef & { critical: boolean; value: string; decoded?: unknown })[];
  self_issued: boolean;
  fingerprints: { sha256: string; sm3: string };
}

/** A decoded extension value as short text: strings, names of OIDs, key=value pairs. */
function describe(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(describe).filter(Boolean).join(', ');
  const o = v as Record<string, unknown>;
  if (typeof o.name === 'string' && typeof o.oid === 'string') return o.name || o.oid;
  if ('type' in o && 'value' in o) return `${describe(o.type)}: ${describe(o.value)}`;
  return Object.entries(o).map(([k, x]) => `${k}=${describe(x)}`).join('; ');
}

/** Every field of a certificate: names, validity, key, extensions (decoded where known), fingerprints. */
export function CertificateDetailsView({ d }: { d: CertificateDetails }) {
  const { t, lang } = useI18n();
  const pk = d.public_key;
  return (
    <>
      <dl className="kv">
        <dt>{t('keys.subject')}</dt><dd className="dn">{d.subject.dn}</dd>
        <dt>{t('keys.issuer')}</dt><dd className="dn">{d.issuer.dn}{d.self_issued && <span className="muted small"> · {t('cert.selfIssued')}</span>}</dd>
        <dt>{t('keys.serial')}</dt><dd className="mono small">{d.serial}</dd>
        <dt>{t('keys.validity')}</dt><dd>{formatTime(d.validity.not_before.iso, lang)} → {formatTime(d.validity.not_after.iso, lang)}</dd>
        <dt>{t('cert.signatureAlgorithm')}</dt><dd>{d.signature_algorithm.name || d.signature_algorithm.oid} <span className="muted small mono">{d.signature_algorithm.oid}</span></dd>
        <dt>{t('cert.publicKey')}</dt>
        <dd><span className="algo">{pk.type.toUpperCase()}</span> {pk.bits} bit{pk.curve && <span className="muted small"> · {pk.curve.name || pk.curve.oid}</span>}</dd>
        <dt>SHA-256</dt><dd className="mono small">{d.fingerprints.sha256}</dd>
        <dt>SM3</dt><dd className="mono small">{d.fingerprints.sm3}</dd>
      </dl>
      <h3 className="sub-title">{t('cert.extensions')}</h3>
      <table className="data-table ext-table" aria-label={t('cert.extensions')}>
        <thead><tr><th scope="col">{t('cert.extension')}</th><th scope="col">{t('cert.critical')}</th><th scope="col">{t('cert.value')}</th></tr></thead>
        <tbody>
          {d.extensions.map((e, i) => (
            <tr key={e.oid + i} data-ext={e.name || e.oid}>
              <td><strong>{e.name || e.oid}</strong><div className="muted small mono">{e.oid}</div></td>
              <td>{e.critical ? t('common.yes') : t('common.no')}</td>
              <td className="small ext-value">{e.decoded !== undefined ? describe(e.decoded) : <span className="mono">{e.value}</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
