import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { CreatedAccount, Role, SoftKeyType } from '../api/types';
import type { MessageKey } from '../i18n/dict';
import { useI18n } from '../i18n/I18nContext';
import { Dialog } from './Dialog';
import { ErrorNotice } from './ErrorNotice';

interface Props {
  roles: Role[];
  onCreated(c: CreatedAccount): void;
  onClose(): void;
}

export function CreateAccountDialog({ roles, onCreated, onClose }: Props) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>(roles[roles.length - 1]);
  const [keyType, setKeyType] = useState<SoftKeyType>('sm2');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onCreated(await api.createAccount({ username: username.trim(), display_name: displayName.trim(), role, key_type: keyType }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Dialog title={t('acct.create')} onClose={onClose}>
      <form onSubmit={submit} aria-label={t('acct.create')}>
        <div className="field">
          <label htmlFor="new-username">{t('acct.username')}</label>
          <input id="new-username" required pattern="[A-Za-z0-9._\-]{2,64}" value={username}
            onChange={(e) => setUsername(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="new-display">{t('acct.displayName')}</label>
          <input id="new-display" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="new-role">{t('acct.role')}</label>
          <select id="new-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {roles.map((r) => (
              <option key={r} value={r}>{t(('role.' + r) as MessageKey)}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="new-keytype">{t('acct.keyType')}</label>
          <select id="new-keytype" value={keyType} onChange={(e) => setKeyType(e.target.value as SoftKeyType)}>
            <option value="sm2">SM2（国密）</option>
            <option value="ecdsa-p256">ECDSA P-256</option>
            <option value="rsa-2048">RSA 2048</option>
          </select>
        </div>
        <ErrorNotice error={error} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>{t('common.cancel')}</button>
          <button type="submit" className="primary" disabled={busy}>{t('acct.create')}</button>
        </div>
      </form>
    </Dialog>
  );
}
