import { useCallback, useEffect, useState } from 'react';
import { ops, type CrlSource, type PkiCertificate, type StoredCrl } from '../api/operations';
import { CertificateInput } from '../components/CertificateInput';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { StatusBadge } from '../components/StatusBadge';
import { formatTime } from '../format';
import { useI18n } from '../i18n/I18nContext';
import { commonName } from './TrustAnchorsPanel';
import { TrustCrlSourceDialog } from './TrustCrlSourceDialog';

function interval(s: number, lang: string): string {
  const zh = lang !== 'en';
  if (s % 86400 === 0) return zh ? `每 ${s / 86400} 天` : `every ${s / 86400} d`;
  if (s % 3600 === 0) return zh ? `每 ${s / 3600} 小时` : `every ${s / 3600} h`;
  return zh ? `每 ${Math.round(s / 60)} 分钟` : `every ${Math.round(s / 60)} min`;
}

/** CRL sources (schedule, last fetch, status, next fetch; fetch now, edit, remove) and the CRLs held (manual upload). */
export function TrustCrlPanel() {
  const { t, lang } = useI18n();
  const [sources, setSources] = useState<CrlSource[] | null>(null);
  const [crls, setCrls] = useState<StoredCrl[] | null>(null);
  const [cas, setCas] = useState<PkiCertificate[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<CrlSource | null>(null);
  const [uploading, setUploading] = useState(false);
  const [removing, setRemoving] = useState<CrlSource | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const load = useCallback(async () => {
    try {
      const [s, c, a, i] = await Promise.all([ops.crlSources(), ops.crls(), ops.anchors(), ops.intermediates()]);
      setSources(s);
      setCrls(c);
      setCas([...a, ...i]);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => void load(), [load]);
  const caName = (fp: string) => commonName(cas.find((c) => c.fingerprint === fp)?.subject ?? fp.slice(0, 16) + '…');
  const fetchNow = async (s: CrlSource) => {
    setBusy(s.id);
    try {
      await ops.fetchCrlSource(s.id);
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
      await load();
    }
  };
  const toggle = async (s: CrlSource) => {
    try {
      await ops.updateCrlSource(s.id, { enabled: !s.enabled });
      await load();
    } catch (e) {
      setError(e);
    }
  };
  const status = (s: CrlSource) => {
    if (!s.last_fetch_at) return <StatusBadge tone="neutral">{t('trust.neverFetched')}</StatusBadge>;
    if (s.last_status === 'ok') return <StatusBadge tone="ok">{t('trust.fetchOk')}</StatusBadge>;
    return <StatusBadge tone="bad">{t('trust.fetchFailed')}</StatusBadge>;
  };

  return (
    <>
      <ErrorNotice error={error} />
      <div className="card table-card">
        <div className="table-toolbar">
          <h2 className="table-title">{t('trust.crlSources')}</h2>
          <button type="button" className="primary" onClick={() => setAdding(true)} disabled={cas.length === 0}>
            <Icon name="plus" /> {t('trust.addSource')}
          </button>
        </div>
        <div className="scroll-table">
          <table className="data-table" aria-label={t('trust.crlSources')}>
            <thead>
              <tr>
                <th scope="col">{t('trust.ca')}</th>
                <th scope="col">{t('trust.url')}</th>
                <th scope="col">{t('trust.schedule')}</th>
                <th scope="col">{t('trust.lastFetch')}</th>
                <th scope="col">{t('trust.nextFetch')}</th>
                <th scope="col">{t('trust.crlNextUpdate')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {sources?.length === 0 && <tr><td colSpan={7} className="empty">{t('trust.noSources')}</td></tr>}
              {sources?.map((s) => (
                <tr key={s.id} data-source-id={s.id}>
                  <td><strong>{caName(s.ca_fingerprint)}</strong></td>
                  <td className="mono small clip" title={s.url}>{s.url}</td>
                  <td className="nowrap small">{interval(s.interval_s, lang)}
                    <div className="muted">{t('trust.timeoutShort', { s: s.timeout_ms / 1000 })}</div>
                    <div>{s.enabled ? <StatusBadge tone="info">{t('svs.enabled')}</StatusBadge> : <StatusBadge tone="neutral">{t('svs.disabled')}</StatusBadge>}</div></td>
                  <td className="small">{formatTime(s.last_fetch_at ?? undefined, lang)}<div>{status(s)}</div>
                    {s.last_error && <div className="error-text small" data-testid="fetch-error">{s.last_error}</div>}</td>
                  <td className="nowrap small">{s.enabled ? formatTime(s.next_fetch_at ?? undefined, lang) : '—'}</td>
                  <td className="nowrap small">{formatTime(s.crl_next_update ?? undefined, lang)}</td>
                  <td>
                    <div className="row-actions">
                      <button type="button" className="small-button" disabled={busy === s.id} onClick={() => void fetchNow(s)}>
                        {busy === s.id ? t('trust.fetching') : t('trust.fetchNow')}
                      </button>
                      <button type="button" className="small-button" onClick={() => setEditing(s)}>{t('trust.edit')}</button>
                      <button type="button" className="small-button" onClick={() => void toggle(s)}>{s.enabled ? t('svs.disable') : t('svs.enable')}</button>
                      <button type="button" className="small-button danger-outline" onClick={() => setRemoving(s)}>{t('trust.remove')}</button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>

      <div className="card table-card">
        <div className="table-toolbar">
          <h2 className="table-title">{t('trust.crls')}</h2>
          <button type="button" onClick={() => setUploading(true)}><Icon name="plus" /> {t('trust.uploadCrl')}</button>
        </div>
        <div className="scroll-table">
          <table className="data-table" aria-label={t('trust.crls')}>
            <thead>
              <tr>
                <th scope="col">{t('keys.issuer')}</th>
                <th scope="col">{t('trust.crlNumber')}</th>
                <th scope="col">{t('trust.thisUpdate')}</th>
                <th scope="col">{t('trust.nextUpdate')}</th>
                <th scope="col" className="num">{t('trust.revokedCount')}</th>
                <th scope="col">{t('trust.crlSource')}</th>
              </tr>
            </thead>
            <tbody>
              {crls?.length === 0 && <tr><td colSpan={6} className="empty">{t('trust.noCrls')}</td></tr>}
              {crls?.map((c) => {
                const stale = c.next_update && new Date(c.next_update).getTime() < Date.now();
                return (
                  <tr key={c.ca_fingerprint} data-crl-ca={c.ca_fingerprint}>
                    <td><strong>{commonName(c.issuer)}</strong><div className="dn muted small">{c.issuer}</div></td>
                    <td className="mono small">{c.crl_number || '—'}</td>
                    <td className="nowrap small">{formatTime(c.this_update ?? undefined, lang)}</td>
                    <td className="nowrap small">{formatTime(c.next_update ?? undefined, lang)}
                      <div>{stale ? <StatusBadge tone="bad">{t('trust.stale')}</StatusBadge> : <StatusBadge tone="ok">{t('trust.current')}</StatusBadge>}</div></td>
                    <td className="num">{c.revoked}</td>
                    <td className="small">{c.source === 'upload' ? t('trust.uploaded') : c.source}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </div>

      {(adding || editing) && <TrustCrlSourceDialog source={editing} cas={cas}
        caSelect={(value, onChange) => <CaSelect id="src-ca" cas={cas} value={value} onChange={onChange} />}
        onClose={() => { setAdding(false); setEditing(null); }}
        onDone={() => { setAdding(false); setEditing(null); void load(); }} />}
      {uploading && <UploadDialog cas={cas} onClose={() => setUploading(false)} onDone={() => { setUploading(false); void load(); }} />}
      {removing && (
        <ConfirmDialog title={t('trust.removeSource')} danger confirmLabel={t('trust.remove')} onClose={() => setRemoving(null)}
          onConfirm={async () => { await ops.removeCrlSource(removing.id); await load(); }}>
          <p>{t('trust.removeSourceConfirm', { url: removing.url })}</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function CaSelect({ id, cas, value, onChange, optional }: {
  id: string; cas: PkiCertificate[]; value: string; onChange(v: string): void; optional?: boolean;
}) {
  const { t } = useI18n();
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
      {optional && <option value="">{t('trust.caAuto')}</option>}
      {cas.map((c) => <option key={c.fingerprint} value={c.fingerprint}>{commonName(c.subject)} ({c.fingerprint.slice(0, 8)}…)</option>)}
    </select>
  );
}

function UploadDialog({ cas, onClose, onDone }: { cas: PkiCertificate[]; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const [ca, setCa] = useState('');
  const [crl, setCrl] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await ops.uploadCrl(crl, ca);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={t('trust.uploadCrl')} wide onClose={onClose}
      footer={<>
        <button type="button" onClick={onClose}>{t('common.cancel')}</button>
        <button type="button" className="primary" disabled={busy || !crl} onClick={() => void submit()}>{t('trust.upload')}</button>
      </>}>
      <p className="muted small">{t('trust.uploadHint')}</p>
      <div className="field">
        <label htmlFor="crl-ca">{t('trust.ca')}</label>
        <CaSelect id="crl-ca" cas={cas} value={ca} onChange={setCa} optional />
      </div>
      <CertificateInput id="crl-file" label={t('trust.crlFile')} accept=".crl,.pem,.der" onChange={setCrl} placeholder="-----BEGIN X509 CRL-----" />
      <ErrorNotice error={error} />
    </Dialog>
  );
}
