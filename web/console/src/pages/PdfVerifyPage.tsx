import { useState, type ReactNode } from 'react';
import { sealOps, type PdfSignatureReport, type PdfVerifyReport } from '../api/seals';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { PageHeader } from '../components/PageHeader';
import { StatusBadge, type Tone } from '../components/StatusBadge';
import { formatTime } from '../format';
import { useI18n } from '../i18n/I18nContext';
import type { MessageKey } from '../i18n/dict';

const TONE: Record<string, Tone> = {
  valid: 'ok', invalid: 'bad', indeterminate: 'warn', unsigned: 'neutral', unknown: 'warn', not_checked: 'neutral',
};
type Json = Record<string, unknown>;
interface Cert { subject?: string; issuer?: string; serial?: string; algorithm?: string; not_after?: string }
interface Change { object?: number; generation?: number; kind?: string; category?: string; description?: string }
interface Timestamp { present?: boolean; valid?: boolean; problem?: string; time?: string; tsa?: Cert }

/** A label from the dictionary when one exists for the key, else the raw value. */
function useLabel() {
  const { t } = useI18n();
  return (prefix: string, value: string | undefined | null) => {
    if (!value) return '—';
    const key = `${prefix}.${value}` as MessageKey;
    const s = t(key);
    return s === key ? value : s;
  };
}

function Badge({ value, prefix = 'verify.status' }: { value: string; prefix?: string }) {
  const label = useLabel();
  return <StatusBadge tone={TONE[value] ?? 'neutral'}>{label(prefix, value)}</StatusBadge>;
}

function Check({ ok, soft, children }: { ok: boolean | null; soft?: boolean; children: ReactNode }) {
  return <StatusBadge tone={ok === null ? 'neutral' : ok ? 'ok' : soft ? 'warn' : 'bad'}>{children}</StatusBadge>;
}

/** PDF verification: upload a PDF, see the report per signature with clear verdicts, and the raw JSON. */
export function PdfVerifyPage() {
  const { t, lang } = useI18n();
  const [report, setReport] = useState<PdfVerifyReport | null>(null);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const verify = async (f: File | undefined) => {
    if (!f) return;
    setBusy(true);
    setError(null);
    setReport(null);
    setName(f.name);
    try {
      setReport(await sealOps.verifyPdf(f));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <PageHeader title={t('verify.heading')} intro={t('verify.intro')} />
      <div className="card verify-upload">
        <div className="field">
          <label htmlFor="verify-file">{t('verify.file')}</label>
          <input id="verify-file" type="file" accept="application/pdf,.pdf" onChange={(e) => void verify(e.target.files?.[0])} />
        </div>
        {busy && <span className="muted">{t('verify.working')}</span>}
      </div>
      <ErrorNotice error={error} />
      {report && (
        <>
          <div className={`card pdf-verdict pdf-verdict-${report.status}`} data-testid="verify-verdict" data-status={report.status}>
            <div className="pdf-verdict-mark" aria-hidden="true"><Icon name={report.status === 'valid' ? 'shield' : 'eye'} size={34} /></div>
            <div>
              <h2>{t(`verify.overall.${report.status}` as MessageKey)}</h2>
              <p className="muted small">
                {t('verify.summary', { name, n: report.signatures.length, rev: report.revisions ?? 0, kb: Math.ceil((report.file_size ?? 0) / 1024) })}
                {report.policy ? ' · ' + t('verify.policy', { p: report.policy }) : ''}
                {report.verified_at ? ' · ' + t('verify.at', { at: formatTime(report.verified_at, lang) }) : ''}
              </p>
              {(report.warnings as string[] | undefined)?.map((w, i) => <div key={i} className="notice notice-warn small">{w}</div>)}
            </div>
            <Badge value={report.status} />
          </div>
          {report.signatures.map((s, i) => <SignatureCard key={i} n={i + 1} s={s} revisions={report.revisions ?? 0} />)}
          <details className="card raw-json">
            <summary>{t('verify.raw')}</summary>
            <pre data-testid="verify-raw">{JSON.stringify(report, null, 2)}</pre>
          </details>
        </>
      )}
    </section>
  );
}

function SignatureCard({ n, s, revisions }: { n: number; s: PdfSignatureReport; revisions: number }) {
  const { t, lang } = useI18n();
  const label = useLabel();
  const signer = s.signer as Cert | null | undefined;
  const cert = (s.certificate ?? {}) as { status?: string; reason?: string; detail?: string };
  const ts = (s.timestamp ?? {}) as Timestamp;
  const changes = (s.changes_after ?? []) as Change[];
  const violations = (s.docmdp_violations ?? []) as string[];
  const extra = s as unknown as Json;
  return (
    <article className="card signature-card" data-testid="signature-report" data-status={s.status} aria-label={t('verify.signatureN', { n })}>
      <header className="signature-head">
        <div>
          <h3>{t('verify.signatureN', { n })} <span className="mono small muted">{s.field}</span></h3>
          <div className="muted small">{label('verify.kind', s.kind)}{s.docmdp_permission ? ` · ${label('verify.perm', String(s.docmdp_permission))}` : ''}</div>
        </div>
        <Badge value={s.status} />
      </header>
      <dl className="kv verify-kv">
        <dt>{t('verify.signer')}</dt>
        <dd>{signer?.subject ?? '—'}{signer?.issuer && <div className="muted small">{t('seals.issuer')}: {signer.issuer}</div>}</dd>
        <dt>{t('verify.certificate')}</dt>
        <dd><Badge value={cert.status ?? 'not_checked'} prefix="verify.certStatus" />
          {cert.reason && cert.reason !== 'ok' && <span className="small"> {label('verify.reason', cert.reason)}</span>}
          {cert.detail && <div className="muted small">{cert.detail}</div>}</dd>
        <dt>{t('verify.integrity')}</dt>
        <dd><Badge value={s.integrity ?? 'unknown'} prefix="verify.integrity" />
          {s.digest_algorithm && <span className="muted small"> {String(s.digest_algorithm).toUpperCase()} · {s.sub_filter}{s.flavor ? ` · ${s.flavor}` : ''}</span>}</dd>
        <dt>{t('verify.time')}</dt>
        <dd>{s.time ? formatTime(s.time, lang) : '—'}{' '}
          <StatusBadge tone={s.time_source === 'timestamp' ? 'ok' : 'warn'}>{label('verify.timeSource', s.time_source)}</StatusBadge>
          {ts.present && <div className="small">{t('verify.timestamp')}: <Check ok={!!ts.valid}>{ts.valid ? t('verify.tsValid') : t('verify.tsInvalid')}</Check>
            {ts.tsa?.subject && <span className="muted"> {ts.tsa.subject}</span>}{ts.problem && <span className="muted"> {ts.problem}</span>}</div>}</dd>
        <dt>{t('verify.revision')}</dt>
        <dd>{s.revision ? t('verify.revisionOf', { r: s.revision, n: revisions }) : t('verify.noRevision')}
          {' '}<Check ok={!!s.byte_range_valid}>{s.byte_range_valid ? t('verify.byteRangeOk') : t('verify.byteRangeBad')}</Check></dd>
        <dt>{t('verify.coverage')}</dt>
        <dd><Check ok={!!s.covers_whole_document} soft={s.status === 'valid'}>{s.covers_whole_document ? t('verify.wholeDocument') : t('verify.partial')}</Check></dd>
        <dt>{t('verify.changesAfter')}</dt>
        <dd>{changes.length === 0 ? <Check ok>{t('verify.noChanges')}</Check> : (
          <ul className="plain-list small">
            {changes.map((c, i) => <li key={i}>{label('verify.category', c.category)} — {c.description} <span className="muted mono">{c.object} {c.generation} R</span></li>)}
          </ul>)}</dd>
        <dt>{t('verify.docmdp')}</dt>
        <dd>{violations.length === 0 ? <Check ok>{t('verify.noViolations')}</Check> : (
          <ul className="plain-list small">{violations.map((v, i) => <li key={i} className="error-text">{v}</li>)}</ul>)}</dd>
        {(extra.reason as string) && <><dt>{t('pdf.reason')}</dt><dd>{extra.reason as string}</dd></>}
        {(extra.ses as string) && extra.ses !== 'none' && <><dt>{t('verify.ses')}</dt><dd>{label('verify.ses', extra.ses as string)}</dd></>}
      </dl>
      {s.problems && s.problems.length > 0 && (
        <div className={'notice small ' + (s.status === 'valid' ? 'notice-warn' : 'notice-bad')}>
          <strong>{s.status === 'valid' ? t('verify.notes') : t('verify.problems')}</strong>
          <ul className="plain-list">{s.problems.map((p, i) => <li key={i}><span className="mono">{p.code}</span> {p.message}</li>)}</ul>
        </div>
      )}
    </article>
  );
}
