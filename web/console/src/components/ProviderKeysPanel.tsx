// The keys of one crypto provider: index, label, algorithm, created, password; key generation and public-key
// download (the private key never leaves the provider).
import { useCallback, useEffect, useState } from 'react';
import { providersApi, type ProviderKey, type ProviderStatus } from '../api/providers';
import { downloadText, formatTime } from '../format';
import { useI18n } from '../i18n/I18nContext';
import { ErrorNotice } from './ErrorNotice';
import { Icon } from './Icon';
import { ProviderKeyDialog } from './ProviderKeyDialog';

export function ProviderKeysPanel({ provider, onChanged }: { provider: ProviderStatus; onChanged(): void }) {
  const { t, lang } = useI18n();
  const [keys, setKeys] = useState<ProviderKey[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [generating, setGenerating] = useState(false);
  const [notice, setNotice] = useState('');
  const name = t(`prov.kind.${provider.name}` as 'prov.kind.soft');

  const load = useCallback(() => {
    setError(null);
    return providersApi.keys(provider.name).then((r) => setKeys(r.keys), setError);
  }, [provider.name]);
  useEffect(() => void load(), [load]);

  const download = async (k: ProviderKey) => {
    try {
      const pem = await providersApi.publicKey(provider.name, k.index);
      downloadText(`${provider.name}-${k.index}.pub.pem`, pem, 'application/x-pem-file');
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="card table-card" data-testid={`provider-keys-${provider.name}`}>
      <div className="table-toolbar">
        <h2 className="table-title">{t('prov.keysOf', { name })}</h2>
        <button type="button" className="primary" onClick={() => setGenerating(true)}>
          <Icon name="key" /> {t('prov.generate')}
        </button>
      </div>
      {notice && <p className="notice notice-ok small" role="status">{notice}</p>}
      <ErrorNotice error={error} />
      <table className="data-table" aria-label={t('prov.keysOf', { name })}>
        <thead>
          <tr>
            <th scope="col">{t('prov.index')}</th>
            {provider.labels && <th scope="col">{t('prov.label')}</th>}
            <th scope="col">{t('prov.algorithm')}</th>
            <th scope="col">{t('prov.created')}</th>
            <th scope="col">{t('prov.password')}</th>
            <th scope="col"><span className="visually-hidden">{t('prov.publicKey')}</span></th>
          </tr>
        </thead>
        <tbody>
          {keys?.length === 0 && <tr><td colSpan={6} className="empty">{t('prov.empty')}</td></tr>}
          {keys?.map((k) => (
            <tr key={k.index} data-key-index={k.index}>
              <td className="mono">{k.index}</td>
              {provider.labels && <td>{k.label || '—'}</td>}
              <td><span className="algo">{k.algorithm.toUpperCase()}</span></td>
              <td className="nowrap small">{k.created ? formatTime(k.created, lang) : '—'}</td>
              <td className="small">
                {!provider.key_passwords ? t('prov.tokenPin') : k.has_password ? t('prov.hasPassword') : t('prov.noPassword')}
              </td>
              <td><button type="button" className="small-button" onClick={() => void download(k)}>{t('prov.publicKey')}</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      {generating && <ProviderKeyDialog provider={provider} onClose={() => setGenerating(false)}
        onDone={(k) => { setNotice(t('prov.generated', { name, index: k.index })); void load(); onChanged(); }} />}
    </div>
  );
}
