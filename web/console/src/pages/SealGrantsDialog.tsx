import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { sealOps, type Seal, type SealGrant, type SealUser } from '../api/seals';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { formatTime } from '../format';
import { useI18n } from '../i18n/I18nContext';

/** Who may use a seal: the grants, granting to a registered seal user, registering a new seal user. */
export function SealGrantsDialog({ seal, onClose }: { seal: Seal; onClose(): void }) {
  const { t, lang } = useI18n();
  const [grants, setGrants] = useState<SealGrant[] | null>(null);
  const [users, setUsers] = useState<SealUser[]>([]);
  const [pick, setPick] = useState('');
  const [username, setUsername] = useState('');
  const [display, setDisplay] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');

  const load = useCallback(async () => {
    try {
      const [g, u] = await Promise.all([sealOps.grants(seal.id), sealOps.users()]);
      setGrants(g);
      setUsers(u);
    } catch (e) {
      setError(e);
    }
  }, [seal.id]);
  useEffect(() => void load(), [load]);

  const userName = (id: string) => {
    const u = users.find((x) => x.id === id);
    return u ? (u.display_name || u.username) + (u.username ? ` (${u.username})` : '') : id;
  };
  const act = async (fn: () => Promise<unknown>, msg: string) => {
    setError(null);
    try {
      await fn();
      setNotice(msg);
      await load();
    } catch (e) {
      setError(e);
    }
  };
  const grant = (e: FormEvent) => {
    e.preventDefault();
    if (!pick) return;
    void act(() => sealOps.grant(seal.id, pick), t('seals.grantedNotice', { user: userName(pick) }));
    setPick('');
  };
  const register = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      const u = await sealOps.addUser({ username: username.trim() || undefined, display_name: display.trim() || undefined });
      setPick(u.id);
      setUsername('');
      setDisplay('');
    }, t('seals.userAdded', { user: display.trim() || username.trim() }));
  };
  const granted = new Set(grants?.map((g) => g.user_id));

  return (
    <Dialog title={t('seals.grantsTitle', { name: seal.name })} wide onClose={onClose}>
      {notice && <div className="notice notice-ok" role="status" data-testid="grants-notice">{notice}</div>}
      <ErrorNotice error={error} />
      <table className="data-table" aria-label={t('seals.grants')}>
        <thead>
          <tr>
            <th scope="col">{t('seals.user')}</th>
            <th scope="col">{t('seals.grantedBy')}</th>
            <th scope="col">{t('common.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {grants?.length === 0 && <tr><td colSpan={3} className="empty">{t('seals.noGrants')}</td></tr>}
          {grants?.map((g) => (
            <tr key={g.user_id} data-grant={g.user_id}>
              <td>{userName(g.user_id)}</td>
              <td className="small">{g.granted_by} · {formatTime(g.granted_at, lang)}</td>
              <td>
                <button type="button" className="small-button danger-outline"
                  onClick={() => void act(() => sealOps.ungrant(seal.id, g.user_id), t('seals.ungrantedNotice', { user: userName(g.user_id) }))}>
                  {t('seals.ungrant')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="grant-forms">
        <form className="inline-form" onSubmit={grant} aria-label={t('seals.grant')}>
          <div className="field">
            <label htmlFor="grant-user">{t('seals.grantTo')}</label>
            <select id="grant-user" value={pick} onChange={(e) => setPick(e.target.value)}>
              <option value="">{t('seals.chooseUser')}</option>
              {users.filter((u) => !granted.has(u.id)).map((u) => (
                <option key={u.id} value={u.id}>{u.display_name || u.username}{u.username ? ` (${u.username})` : ''}</option>
              ))}
            </select>
          </div>
          <button type="submit" className="primary" disabled={!pick}><Icon name="plus" size={14} /> {t('seals.grant')}</button>
        </form>
        <form className="inline-form" onSubmit={register} aria-label={t('seals.addUser')}>
          <div className="field">
            <label htmlFor="su-username">{t('seals.userAccount')}</label>
            <input id="su-username" value={username} maxLength={64} placeholder={t('seals.userAccountHint')} onChange={(e) => setUsername(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="su-display">{t('seals.userDisplay')}</label>
            <input id="su-display" value={display} maxLength={64} onChange={(e) => setDisplay(e.target.value)} />
          </div>
          <button type="submit" disabled={!username.trim() && !display.trim()}>{t('seals.addUser')}</button>
        </form>
      </div>
    </Dialog>
  );
}
