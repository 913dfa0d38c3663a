import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n/I18nContext';
import { Dialog } from './Dialog';

export function LockDialog({ username, onLock, onClose }: { username: string; onLock(reason: string): void; onClose(): void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onLock(reason.trim());
  };
  return (
    <Dialog title={`${t('acct.lockTitle')} · ${username}`} onClose={onClose}>
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor="lock-reason">{t('acct.lockReason')}</label>
          <input id="lock-reason" required value={reason} onChange={(e) => setReason(e.target.value)} />
        </div>
        <div className="form-actions">
          <button type="button" onClick={onClose}>{t('common.cancel')}</button>
          <button type="submit" className="danger">{t('acct.lock')}</button>
        </div>
      </form>
    </Dialog>
  );
}
