// Generate (or replace) a TSA unit's key, in the software key store or inside a crypto provider (SDF device,
// PKCS#11 token, soft provider); the development CA certifies it until a production certificate is imported.
import { useEffect, useState } from 'react';
import { providersApi, type ProviderName, type ProviderStatus } from '../api/providers';
import { useI18n } from '../i18n/I18nContext';
import { ConfirmDialog } from './ConfirmDialog';
import { Dialog } from './Dialog';

// A TSA unit key: SM2, ECDSA P-256 or RSA 2048 (provider key algorithm names in brackets).
const TSA_ALGORITHMS: { value: string; label: string; keyAlg: string }[] = [
  { value: 'sm2', label: 'SM2', keyAlg: 'sm2' },
  { value: 'ecdsa', label: 'ECDSA P-256', keyAlg: 'ecdsa-p256' },
  { value: 'rsa', label: 'RSA 2048', keyAlg: 'rsa-2048' },
];

export function ProviderTsaGenerateDialog({ existing, onClose, onDone }: { existing: string[]; onClose(): void; onDone(name: string): void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [algorithm, setAlgorithm] = useState('sm2');
  const [providers, setProviders] = useState<ProviderStatus[]>([]);
  const [where, setWhere] = useState<'' | ProviderName>('');
  const [index, setIndex] = useState('');
  const [password, setPassword] = useState('');
  const [confirming, setConfirming] = useState(false);
  useEffect(() => {
    providersApi.list().then((r) => setProviders(r.providers), () => setProviders([]));
  }, []);
  const chosen = providers.find((p) => p.name === where);
  const keyAlg = TSA_ALGORITHMS.find((a) => a.value === algorithm)?.keyAlg ?? algorithm;
  const algOk = !chosen || chosen.algorithms.includes(keyAlg);
  const indexOk = index === '' || (/^\d{1,5}$/.test(index) && Number(index) >= 1 && Number(index) <= 65535);
  const valid = /^[a-z0-9_-]{1,32}$/.test(name) && algOk && indexOk;
  const replaces = existing.includes(name);
  const providerName = (p: ProviderName) => t(`prov.kind.${p}` as 'prov.kind.soft');

  if (confirming) {
    return (
      <ConfirmDialog title={t('tsaAdmin.confirmTitle')} danger={replaces} confirmLabel={t('tsaAdmin.generate')}
        onClose={onClose} onConfirm={async () => {
          await providersApi.tsaGenerate(name, algorithm, where ? {
            provider: where,
            ...(index ? { index: Number(index) } : {}),
            ...(password && chosen?.key_passwords ? { password } : {}),
          } : {});
          onDone(name);
        }}>
        <p>{replaces ? t('tsaAdmin.confirmReplace', { name }) : t('tsaAdmin.confirmNew', { name, alg: algorithm.toUpperCase() })}</p>
        <p className="muted small">{t('prov.tsaWhere')}: {where ? providerName(where) : t('prov.tsaStore')}</p>
      </ConfirmDialog>
    );
  }
  return (
    <Dialog title={t('tsaAdmin.generateTitle')} onClose={onClose}
      footer={<>
        <button type="button" onClick={onClose}>{t('common.cancel')}</button>
        <button type="button" className="primary" disabled={!valid} onClick={() => setConfirming(true)}>{t('tsaAdmin.next')}</button>
      </>}>
      <div className="field">
        <label htmlFor="tsa-gen-name">{t('tsa.unit')}</label>
        <input id="tsa-gen-name" className="mono" list="tsa-unit-names" value={name} onChange={(e) => setName(e.target.value.trim())} />
        <datalist id="tsa-unit-names">{existing.map((n) => <option key={n} value={n} />)}</datalist>
        <div className="muted small">{t('tsaAdmin.nameHint')}</div>
      </div>
      <div className="field">
        <label htmlFor="tsa-gen-alg">{t('keys.algorithm')}</label>
        <select id="tsa-gen-alg" value={algorithm} onChange={(e) => setAlgorithm(e.target.value)}>
          {TSA_ALGORITHMS.map((a) => <option key={a.value} value={a.value}>{a.label}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor="tsa-gen-where">{t('prov.tsaWhere')}</label>
        <select id="tsa-gen-where" value={where} aria-invalid={!algOk} onChange={(e) => setWhere(e.target.value as '' | ProviderName)}>
          <option value="">{t('prov.tsaStore')}</option>
          {providers.map((p) => (
            <option key={p.name} value={p.name} disabled={!p.reachable}>
              {p.reachable ? t('prov.tsaInProvider', { name: providerName(p.name) }) : t('prov.tsaUnavailable', { name: providerName(p.name) })}
            </option>
          ))}
        </select>
      </div>
      {chosen && (
        <>
          <div className="field">
            <label htmlFor="tsa-gen-index">{t('prov.index')}</label>
            <input id="tsa-gen-index" className="mono" inputMode="numeric" value={index} aria-invalid={!indexOk}
              onChange={(e) => setIndex(e.target.value.trim())} />
            <div className="muted small">{t('prov.indexHint')}</div>
          </div>
          {chosen.key_passwords ? (
            <div className="field">
              <label htmlFor="tsa-gen-password">{t('prov.password')}</label>
              <input id="tsa-gen-password" type="password" autoComplete="new-password" value={password}
                onChange={(e) => setPassword(e.target.value)} />
              <div className="muted small">{t('prov.passwordHint')}</div>
            </div>
          ) : <p className="notice notice-info small">{t('prov.pinNote')}</p>}
          <p className="notice notice-info small">{t('prov.tsaProviderNote')}</p>
        </>
      )}
      <p className="notice notice-info small">{t('tsaAdmin.generateNote')}</p>
    </Dialog>
  );
}
