import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ops, CA_PROFILES, REVOKE_REASONS, type CaAuthority, type IssuedCertificate, type IssuedQuery } from '../api/operations';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { PageHeader } from '../components/PageHeader';
import { Pagination } from '../components/Pagination';
import { StatusBadge } from '../components/StatusBadge';
import { ValidityBadge } from '../components/ValidityBadge';
import { downloadBlob, formatTime } from '../format';
import { useI18n } from '../i18n/I18nContext';
import type { MessageKey } from '../i18n/dict';
import { CertificateDetailsView, type CertificateDetails } from '../components/CertificateDetailsView';
import { CaAuthorityDialog } from './CaAuthorityDialog';
import { CaIssueDialog } from './CaIssueDialog';
import { commonName } from './TrustAnchorsPanel';

const PAGE_SIZE = 20;

/** The embedded CA (operators): authorities with their CRLs, issuing, the issued list, revocation, downloads. */
export function CaPage() {
  const { t, lang } = useI18n();
  const [cas, setCas] = useState<CaAuthority[] | null>(null);
  const [query, setQuery] = useState<IssuedQuery>({});
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ items: IssuedCertificate[]; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<{ key: MessageKey; vars: Record<string, string | number> } | null>(null);
  const [issuing, setIssuing] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<IssuedCertificate | null>(null);
  const [exporting, setExporting] = useState<IssuedCertificate | null>(null);
  const [details, setDetails] = useState<(IssuedCertificate & { details: unknown }) | null>(null);
  const openDetails = async (serial: string) => {
    try {
      setDetails(await ops.issuedOne(serial));
    } catch (e) {
      setError(e);
    }
  };

  const loadCas = useCallback(() => ops.authorities().then(setCas, setError), []);
  const loadIssued = useCallback(async () => {
    try {
      setData(await ops.issued({ ...query, page, page_size: PAGE_SIZE }));
    } catch (e) {
      setError(e);
    }
  }, [query, page]);
  useEffect(() => void loadCas(), [loadCas]);
  useEffect(() => void loadIssued(), [loadIssued]);

  const publish = async (ca: string) => {
    try {
      const r = await ops.publishCrl(ca);
      setNotice({ key: 'ca.crlPublished', vars: { ca, n: r.crl_number, entries: r.entries } });
      setError(null);
      await loadCas();
    } catch (e) {
      setError(e);
    }
  };
  const pages = data ? Math.ceil(data.total / PAGE_SIZE) : 1;

  return (
    <section>
      <PageHeader title={t('ca.heading')} intro={t('ca.intro')}
        actions={<>
          <button type="button" className="primary" disabled={!cas?.length} onClick={() => setIssuing(cas?.find((c) => c.kind === 'intermediate')?.name ?? cas?.[0]?.name ?? null)}>
            <Icon name="plus" /> {t('ca.issue')}
          </button>
          <button type="button" onClick={() => { void loadCas(); void loadIssued(); }}>{t('common.refresh')}</button>
        </>} />
      <ErrorNotice error={error} />
      {notice && <div className="notice notice-ok" role="status" data-testid="ca-notice">{t(notice.key, notice.vars)}</div>}

      <div className="card table-card">
        <div className="table-toolbar">
          <h2 className="table-title">{t('ca.authorities')}</h2>
          <button type="button" className="small-button" onClick={() => setCreating(true)}><Icon name="plus" size={14} /> {t('ca.newAuthority')}</button>
        </div>
        <div className="scroll-table">
          <table className="data-table" aria-label={t('ca.authorities')}>
            <thead>
              <tr>
                <th scope="col">{t('ca.name')}</th>
                <th scope="col">{t('keys.subject')}</th>
                <th scope="col">{t('keys.algorithm')}</th>
                <th scope="col">{t('keys.validity')}</th>
                <th scope="col">{t('ca.crl')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {cas?.length === 0 && <tr><td colSpan={6} className="empty">{t('ca.noAuthorities')}</td></tr>}
              {cas?.map((c) => (
                <tr key={c.name} data-ca={c.name}>
                  <td><strong className="mono">{c.name}</strong>
                    <div><StatusBadge tone={c.kind === 'root' ? 'info' : 'neutral'}>{c.kind === 'root' ? t('ca.root') : t('ca.intermediate')}</StatusBadge></div>
                    {c.parent && <div className="muted small">{t('ca.parent')}: {c.parent}</div>}</td>
                  <td className="dn">{c.subject}</td>
                  <td><span className="algo">{c.algorithm.toUpperCase()}</span></td>
                  <td className="nowrap small">{formatTime(c.not_before, lang)}<br />→ {formatTime(c.not_after, lang)}
                    <div><ValidityBadge notAfter={c.not_after} /></div></td>
                  <td className="small">
                    <a href={ops.crlFileUrl(c.name)} className="mono" download={`${c.name}.crl`}>{c.crl_url}</a>
                    <div className="muted">#{c.crl_number} · {t('trust.nextUpdate')} {formatTime(c.crl_next_update || undefined, lang)}</div>
                  </td>
                  <td>
                    <div className="row-actions">
                      <button type="button" className="small-button" onClick={() => setIssuing(c.name)}>{t('ca.issueHere')}</button>
                      <button type="button" className="small-button" onClick={() => void publish(c.name)}>{t('ca.publishCrl')}</button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>

      <h2 className="section-title">{t('ca.issued')}</h2>
      <IssuedFilter cas={cas ?? []} onSearch={(q) => { setPage(1); setQuery(q); }} />
      <div className="card table-card">
        <div className="table-toolbar">
          <strong data-testid="issued-total">{t('audit.total', { n: data?.total ?? 0 })}</strong>
          <Pagination page={page} pages={pages} onPage={setPage} />
        </div>
        <div className="scroll-table">
          <table className="data-table" aria-label={t('ca.issued')}>
            <thead>
              <tr>
                <th scope="col">{t('keys.subject')}</th>
                <th scope="col">{t('ca.profile')}</th>
                <th scope="col">{t('keys.serial')}</th>
                <th scope="col">{t('keys.validity')}</th>
                <th scope="col">{t('acct.status')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {data?.items.length === 0 && <tr><td colSpan={6} className="empty">{t('ca.noIssued')}</td></tr>}
              {data?.items.map((c) => (
                <tr key={c.serial} data-serial={c.serial}>
                  <td><strong>{commonName(c.subject)}</strong><div className="dn muted small">{c.subject}</div></td>
                  <td className="small">{t(`ca.profile.${c.profile}` as MessageKey)}<div className="muted">{c.ca} · <span className="algo">{c.algorithm.toUpperCase()}</span></div></td>
                  <td className="mono small clip" title={c.serial}>{c.serial.length > 16 ? c.serial.slice(0, 16) + '…' : c.serial}</td>
                  <td className="nowrap small">{formatTime(c.not_before, lang)}<br />→ {formatTime(c.not_after, lang)}</td>
                  <td>
                    {c.status === 'revoked'
                      ? <><StatusBadge tone="bad">{t('ca.revoked')}</StatusBadge><div className="muted small">{c.reason ? t(`ca.reason.${c.reason}` as MessageKey) : ''}</div></>
                      : <ValidityBadge notAfter={c.not_after} />}
                  </td>
                  <td>
                    <div className="row-actions">
                      <button type="button" className="small-button" onClick={() => void openDetails(c.serial)}>
                        <Icon name="eye" size={14} /> {t('ca.details')}
                      </button>
                      {(['pem', 'der', 'p7b'] as const).map((f) => (
                        <a key={f} className="button small-button" href={ops.downloadUrl(c.serial, f)}
                          download={`${c.serial}.${f === 'der' ? 'cer' : f}`} aria-label={`${t('ca.download')} ${f.toUpperCase()} ${c.serial}`}>
                          <Icon name="download" size={14} /> {f.toUpperCase()}
                        </a>
                      ))}
                      {c.key_held && <button type="button" className="small-button" onClick={() => setExporting(c)}>PKCS#12</button>}
                      {c.status !== 'revoked' && (
                        <button type="button" className="small-button danger-outline" onClick={() => setRevoking(c)}>{t('ca.revoke')}</button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>

      {issuing && cas && <CaIssueDialog cas={cas} initialCa={issuing} onClose={() => setIssuing(null)}
        onIssued={(c) => { setNotice({ key: 'ca.issuedNotice', vars: { subject: commonName(c.subject), serial: c.serial } }); void loadIssued(); }} />}
      {creating && <CaAuthorityDialog cas={cas ?? []} onClose={() => setCreating(false)}
        onCreated={() => { setCreating(false); void loadCas(); }} />}
      {revoking && <RevokeDialog cert={revoking} onClose={() => setRevoking(null)} onDone={(r) => {
        setNotice({ key: 'ca.revokedNotice', vars: { serial: r.serial } });
        void loadIssued();
        void loadCas();
      }} />}
      {exporting && <Pkcs12Dialog cert={exporting} onClose={() => setExporting(null)} />}
      {details && (
        <Dialog title={t('ca.detailsTitle', { serial: details.serial })} wide onClose={() => setDetails(null)}
          footer={<a className="button primary" href={ops.downloadUrl(details.serial, 'pem')} download={`${details.serial}.pem`}>
            <Icon name="download" /> PEM</a>}>
          <div data-testid="issued-details"><CertificateDetailsView d={details.details as CertificateDetails} /></div>
        </Dialog>
      )}
    </section>
  );
}

function IssuedFilter({ cas, onSearch }: { cas: CaAuthority[]; onSearch(q: IssuedQuery): void }) {
  const { t } = useI18n();
  const [subject, setSubject] = useState('');
  const [ca, setCa] = useState('');
  const [profile, setProfile] = useState('');
  const [status, setStatus] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSearch({ subject: subject.trim() || undefined, ca: ca || undefined, profile: profile || undefined, status: status || undefined });
  };
  return (
    <form className="card filter-bar filter-bar-4" onSubmit={submit} aria-label={t('ca.search')}>
      <div className="field">
        <label htmlFor="ca-f-subject">{t('ca.subjectContains')}</label>
        <input id="ca-f-subject" type="search" value={subject} onChange={(e) => setSubject(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="ca-f-ca">{t('ca.name')}</label>
        <select id="ca-f-ca" value={ca} onChange={(e) => setCa(e.target.value)}>
          <option value="">{t('audit.any')}</option>
          {cas.map((c) => <option key={c.name} value={c.name}>{c.name}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor="ca-f-profile">{t('ca.profile')}</label>
        <select id="ca-f-profile" value={profile} onChange={(e) => setProfile(e.target.value)}>
          <option value="">{t('audit.any')}</option>
          {CA_PROFILES.map((p) => <option key={p} value={p}>{t(`ca.profile.${p}` as MessageKey)}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor="ca-f-status">{t('acct.status')}</label>
        <select id="ca-f-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">{t('audit.any')}</option>
          <option value="valid">{t('keys.valid')}</option>
          <option value="revoked">{t('ca.revoked')}</option>
        </select>
      </div>
      <div className="filter-actions">
        <button type="submit" className="primary">{t('audit.search')}</button>
      </div>
    </form>
  );
}

function RevokeDialog({ cert, onClose, onDone }: { cert: IssuedCertificate; onClose(): void; onDone(r: IssuedCertificate): void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState<string>('unspecified');
  return (
    <ConfirmDialog title={t('ca.revokeTitle')} danger confirmLabel={t('ca.revokeConfirm')} onClose={onClose}
      onConfirm={async () => onDone(await ops.revoke(cert.serial, reason))}>
      <p className="notice notice-warn">{t('ca.revokeWarning')}</p>
      <dl className="kv">
        <dt>{t('keys.subject')}</dt><dd className="dn">{cert.subject}</dd>
        <dt>{t('keys.serial')}</dt><dd className="mono small">{cert.serial}</dd>
      </dl>
      <div className="field">
        <label htmlFor="revoke-reason">{t('ca.reason')}</label>
        <select id="revoke-reason" value={reason} onChange={(e) => setReason(e.target.value)}>
          {REVOKE_REASONS.map((r) => <option key={r} value={r}>{t(`ca.reason.${r}` as MessageKey)}</option>)}
        </select>
      </div>
    </ConfirmDialog>
  );
}

function Pkcs12Dialog({ cert, onClose }: { cert: IssuedCertificate; onClose(): void }) {
  const { t } = useI18n();
  const [pw, setPw] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const ok = pw.length >= 8 && pw === repeat;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const f = await ops.pkcs12(cert.serial, pw);
      downloadBlob(f.filename, f.blob);
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={t('ca.pkcs12Title')} onClose={onClose}>
      <form onSubmit={(e) => void submit(e)} aria-label={t('ca.pkcs12Title')}>
        <p className="muted small">{t('ca.pkcs12Hint', { subject: commonName(cert.subject) })}</p>
        <div className="field">
          <label htmlFor="p12-pw">{t('ca.pkcs12Password')}</label>
          <input id="p12-pw" type="password" autoComplete="new-password" minLength={8} value={pw} onChange={(e) => setPw(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="p12-repeat">{t('password.repeat')}</label>
          <input id="p12-repeat" type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} />
          {repeat && pw !== repeat && <div className="error-text small">{t('password.mismatch')}</div>}
        </div>
        <ErrorNotice error={error} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>{t('common.cancel')}</button>
          <button type="submit" className="primary" disabled={!ok || busy}><Icon name="download" /> {t('ca.pkcs12Download')}</button>
        </div>
      </form>
    </Dialog>
  );
}
