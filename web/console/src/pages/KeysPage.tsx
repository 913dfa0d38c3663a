import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { providersApi, type ProviderStatus } from '../api/providers';
import type { KeyInfo } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { PageHeader } from '../components/PageHeader';
import { StatusBadge } from '../components/StatusBadge';
import { formatTime } from '../format';
import { useI18n } from '../i18n/I18nContext';
import { KeyProvidersCard } from '../components/KeyProvidersCard';
import { KeyCertificateDialog } from './KeyCertificateDialog';

const DAY = 86400_000;

export function KeysPage() {
  const { t, lang } = useI18n();
  const [keys, setKeys] = useState<KeyInfo[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [providers, setProviders] = useState<ProviderStatus[] | null>(null);
  const [providerError, setProviderError] = useState<unknown>(null);
  const [certOf, setCertOf] = useState<string | null>(null);
  const loadProviders = () => providersApi.list().then((r) => { setProviders(r.providers); setProviderError(null); }, setProviderError);
  const load = () => {
    void loadProviders();
    return api.listKeys().then((r) => setKeys(r.keys), setError);
  };
  useEffect(() => void load(), []);

  const expiry = (k: KeyInfo) => {
    if (!k.certificate) return <StatusBadge tone="neutral">{t('keys.noCert')}</StatusBadge>;
    const left = new Date(k.certificate.not_after).getTime() - Date.now();
    if (left < 0) return <StatusBadge tone="bad">{t('keys.expired')}</StatusBadge>;
    if (left < 30 * DAY) return <StatusBadge tone="warn">{t('keys.expiring')}</StatusBadge>;
    return <StatusBadge tone="ok">{t('keys.valid')}</StatusBadge>;
  };

  return (
    <section>
      <PageHeader title={t('keys.heading')} intro={t('keys.intro')}
        actions={<button type="button" onClick={() => void load()}>{t('common.refresh')}</button>} />
      <ErrorNotice error={error} />
      <ErrorNotice error={providerError} />
      <KeyProvidersCard providers={providers} onChanged={() => void loadProviders()} />
      <div className="card table-card">
        <div className="table-toolbar"><h2 className="table-title">{t('keysP.softKeys')}</h2></div>
        <table className="data-table" aria-label={t('keys.heading')}>
          <thead>
            <tr>
              <th scope="col">{t('keys.name')}</th>
              <th scope="col">{t('keys.algorithm')}</th>
              <th scope="col">{t('keys.subject')}</th>
              <th scope="col">{t('keys.issuer')}</th>
              <th scope="col">{t('keys.validity')}</th>
              <th scope="col">{t('acct.status')}</th>
              <th scope="col">{t('keys.fingerprint')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {keys?.length === 0 && <tr><td colSpan={8} className="empty">{t('keys.empty')}</td></tr>}
            {keys?.map((k) => (
              <tr key={k.name} data-key={k.name}>
                <td><strong>{k.name}</strong><div className="muted small">{k.provider}</div></td>
                <td><span className="algo">{(k.algorithm ?? '—').toUpperCase()}</span></td>
                <td className="dn">{k.certificate?.subject ?? '—'}</td>
                <td className="dn">{k.certificate?.issuer ?? '—'}</td>
                <td className="nowrap small">
                  {k.certificate ? <>{formatTime(k.certificate.not_before, lang)}<br />→ {formatTime(k.certificate.not_after, lang)}</> : '—'}
                </td>
                <td>{expiry(k)}</td>
                <td className="mono small" title={k.certificate?.sha256}>
                  {k.certificate ? k.certificate.sha256.slice(0, 16) + '…' : '—'}
                </td>
                <td>
                  {k.certificate ? <button type="button" className="small-button" onClick={() => setCertOf(k.name)}
                    aria-label={t('gaps.keyCert.title', { name: k.name })}>{t('gaps.keyCert.open')}</button>
                    : <button type="button" className="small-button" onClick={() => setCertOf(k.name)}
                      aria-label={t('kc.importTitle', { name: k.name })}>{t('kc.import')}</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {certOf && <KeyCertificateDialog name={certOf} onClose={() => setCertOf(null)} onImported={() => void load()} />}
    </section>
  );
}
