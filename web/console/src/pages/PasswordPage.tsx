import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { ErrorNotice } from '../components/ErrorNotice';
import { PageHeader } from '../components/PageHeader';
import { useI18n } from '../i18n/I18nContext';
import { useSession } from '../session/SessionContext';

export function PasswordPage() {
  const { t } = useI18n();
  const { session, passwordChanged } = useSession();
  const [oldPw, setOldPw] = useState('');
  const [newPw, setNewPw] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setDone(false);
    if (newPw !== repeat) return setError(new Error(t('password.mismatch')));
    setBusy(true);
    try {
      await api.changePassword(oldPw, newPw);
      setDone(true);
      setOldPw('');
      setNewPw('');
      setRepeat('');
      // Stay on this page (now with the full navigation) so the confirmation stays visible.
      if (window.location.hash !== '#/password') window.location.hash = '#/password';
      passwordChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <PageHeader title={t('password.heading')} />
      {session?.must_change_password && (
        <div className="notice notice-warn" role="status">{t('password.forced')}</div>
      )}
      <form className="card form-card" onSubmit={submit} aria-label={t('password.heading')}>
        <div className="field">
          <label htmlFor="pw-old">{t('password.old')}</label>
          <input id="pw-old" type="password" autoComplete="current-password" required value={oldPw}
            onChange={(e) => setOldPw(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="pw-new">{t('password.new')}</label>
          <input id="pw-new" type="password" autoComplete="new-password" required value={newPw}
            onChange={(e) => setNewPw(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="pw-repeat">{t('password.repeat')}</label>
          <input id="pw-repeat" type="password" autoComplete="new-password" required value={repeat}
            onChange={(e) => setRepeat(e.target.value)} />
        </div>
        <ErrorNotice error={error} />
        {done && <div className="notice notice-ok" role="status">✔ {t('password.done')}</div>}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy}>{t('password.submit')}</button>
        </div>
      </form>
    </section>
  );
}
