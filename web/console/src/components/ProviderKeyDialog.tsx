// Generates a key pair inside one crypto provider: algorithm, index or label, access password.
import { useState } from 'react';
import { providersApi, type ProviderKey, type ProviderStatus } from '../api/providers';
import { useI18n } from '../i18n/I18nContext';
import { Dialog } from './Dialog';
import { ErrorNotice } from './ErrorNotice';

export function ProviderKeyDialog({ provider, onClose, onDone }: {
  provider: ProviderStatus;
  onClose(): void;
  onDone(key: ProviderKey): void;
}) {
  const { t } = useI18n();
  const [algorithm, setAlgorithm] = useState(provider.algorithms[0] ?? 'sm2');
  const [index, setIndex] = useState('');
  const [label, setLabel] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const indexOk = index === '' || (/^\d{1,5}$/.test(index) && Number(index) >= 1 && Number(index) <= 65535);
  const name = t(`prov.kind.${provider.name}` as 'prov.kind.soft');

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const key = await providersApi.generate(provider.name, {
        algorithm,
        ...(index ? { index: Number(index) } : {}),
        ...(label ? { label } : {}),
        ...(password ? { password } : {}),
      });
      setPassword('');
      onDone(key);
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('prov.generateTitle', { name })} onClose={onClose}
      footer={<>
        <button type="button" onClick={onClose}>{t('common.cancel')}</button>
        <button type="button" className="primary" disabled={busy || !indexOk} onClick={() => void submit()}>
          {busy ? t('prov.generating') : t('prov.generate')}
        </button>
      </>}>
      <div className="field">
        <label htmlFor="prov-gen-alg">{t('prov.algorithm')}</label>
        <select id="prov-gen-alg" value={algorithm} onChange={(e) => setAlgorithm(e.target.value)}>
          {provider.algorithms.map((a) => <option key={a} value={a}>{a.toUpperCase()}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor="prov-gen-index">{t('prov.index')}</label>
        <input id="prov-gen-index" className="mono" inputMode="numeric" value={index}
          aria-invalid={!indexOk} onChange={(e) => setIndex(e.target.value.trim())} />
        <div className="muted small">{t('prov.indexHint')}</div>
      </div>
      {provider.labels && (
        <div className="field">
          <label htmlFor="prov-gen-label">{t('prov.label')}</label>
          <input id="prov-gen-label" value={label} maxLength={128} onChange={(e) => setLabel(e.target.value)} />
          <div className="muted small">{t('prov.labelHint')}</div>
        </div>
      )}
      {provider.key_passwords ? (
        <div className="field">
          <label htmlFor="prov-gen-password">{t('prov.password')}</label>
          <input id="prov-gen-password" type="password" autoComplete="new-password" value={password}
            onChange={(e) => setPassword(e.target.value)} />
          <div className="muted small">{t('prov.passwordHint')}</div>
        </div>
      ) : <p className="notice notice-info small">{t('prov.pinNote')}</p>}
      <ErrorNotice error={error} />
    </Dialog>
  );
}
