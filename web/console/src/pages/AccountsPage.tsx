import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/client';
import type { Account, Role } from '../api/types';
import { CreateAccountDialog } from '../components/CreateAccountDialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { LockDialog } from '../components/LockDialog';
import { PageHeader } from '../components/PageHeader';
import { RoleDialog } from '../components/RoleDialog';
import { SecretDialog } from '../components/SecretDialog';
import { StatusBadge } from '../components/StatusBadge';
import { formatTime } from '../format';
import type { MessageKey } from '../i18n/dict';
import { useI18n } from '../i18n/I18nContext';
import { useSession } from '../session/SessionContext';
import { Icon } from '../components/Icon';

/** The roles each manager role administers (mirrors services::may_manage). */
const MANAGED: Record<string, Role[]> = {
  sysadmin: ['sysadmin', 'operator'],
  audit_admin: ['audit_admin', 'auditor'],
};

type Modal =
  | { kind: 'create' }
  | { kind: 'secret'; title: string; username: string; password: string; pem?: string }
  | { kind: 'lock'; account: Account }
  | { kind: 'role'; account: Account }
  | null;

export function AccountsPage() {
  const { t, lang } = useI18n();
  const { session } = useSession();
  const role = session!.role;
  const roles = MANAGED[role] ?? [];
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [modal, setModal] = useState<Modal>(null);

  const load = useCallback(async () => {
    try {
      setAccounts((await api.listAccounts()).accounts);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => void load(), [load]);

  async function act(fn: () => Promise<unknown>) {
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    }
    await load();
  }

  const headingKey = (role === 'audit_admin' ? 'acct.heading.audit_admin' : 'acct.heading.sysadmin') as MessageKey;
  const introKey = (role === 'audit_admin' ? 'acct.intro.audit_admin' : 'acct.intro.sysadmin') as MessageKey;
  return (
    <section>
      <PageHeader title={t(headingKey)} intro={t(introKey)}
        actions={<button type="button" className="primary" onClick={() => setModal({ kind: 'create' })}><Icon name="plus" /> {t('acct.create')}</button>} />
      <ErrorNotice error={error} />
      <div className="card table-card">
        <table className="data-table accounts-table" aria-label={t(headingKey)}>
          <thead>
            <tr>
              <th scope="col">{t('acct.username')}</th>
              <th scope="col">{t('acct.displayName')}</th>
              <th scope="col">{t('acct.role')}</th>
              <th scope="col">{t('acct.status')}</th>
              <th scope="col" className="num">{t('acct.failed')}</th>
              <th scope="col">{t('acct.lastLogin')}</th>
              <th scope="col">{t('acct.createdAt')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {accounts?.length === 0 && (
              <tr><td colSpan={8} className="empty">{t('acct.empty')}</td></tr>
            )}
            {accounts?.map((a) => {
              const self = a.username === session!.username;
              return (
                <tr key={a.id} data-username={a.username}>
                  <td><strong>{a.username}</strong>{self && <span className="muted small"> （{t('acct.self')}）</span>}</td>
                  <td>{a.display_name || '—'}</td>
                  <td><span className={`role-pill role-${a.role}`}>{t(('role.' + a.role) as MessageKey)}</span></td>
                  <td><div className="badges">
                    {a.locked ? (
                      <StatusBadge tone="bad">{t('acct.locked')}</StatusBadge>
                    ) : (
                      <StatusBadge tone="ok">{t('acct.active')}</StatusBadge>
                    )}
                    {a.must_change_password && <StatusBadge tone="warn">{t('acct.mustChange')}</StatusBadge>}
                  </div>
                    {a.locked && a.lock_reason && <div className="muted small">{a.lock_reason}</div>}
                  </td>
                  <td className="num">{a.failed_logins}</td>
                  <td>{formatTime(a.last_login_at, lang)}</td>
                  <td>{formatTime(a.created_at, lang)}</td>
                  <td><div className="row-actions">
                    {!self && (
                      <>
                        {a.locked ? (
                          <button type="button" className="small-button" onClick={() => act(() => api.unlockAccount(a.id))}>
                            {t('acct.unlock')}
                          </button>
                        ) : (
                          <button type="button" className="small-button danger-outline" onClick={() => setModal({ kind: 'lock', account: a })}>
                            {t('acct.lock')}
                          </button>
                        )}
                        <button type="button" className="small-button" onClick={() => {
                          if (!window.confirm(t('acct.resetConfirm'))) return;
                          void act(async () => {
                            const r = await api.resetPassword(a.id);
                            setModal({ kind: 'secret', title: t('acct.resetTitle'), username: a.username, password: r.one_time_password });
                          });
                        }}>
                          {t('acct.reset')}
                        </button>
                        <button type="button" className="small-button" onClick={() => setModal({ kind: 'role', account: a })}>
                          {t('acct.changeRole')}
                        </button>
                      </>
                    )}
                  </div></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {modal?.kind === 'create' && (
        <CreateAccountDialog roles={roles} onClose={() => setModal(null)} onCreated={(c) => {
          setModal({ kind: 'secret', title: t('acct.createdTitle'), username: c.account.username, password: c.one_time_password, pem: c.soft_key_pem });
          void load();
        }} />
      )}
      {modal?.kind === 'secret' && (
        <SecretDialog title={modal.title} username={modal.username} password={modal.password} softKeyPem={modal.pem}
          onClose={() => setModal(null)} />
      )}
      {modal?.kind === 'lock' && (
        <LockDialog username={modal.account.username} onClose={() => setModal(null)} onLock={(reason) => {
          const id = modal.account.id;
          setModal(null);
          void act(() => api.lockAccount(id, reason));
        }} />
      )}
      {modal?.kind === 'role' && (
        <RoleDialog username={modal.account.username} current={modal.account.role} roles={roles} onClose={() => setModal(null)}
          onSave={(r) => {
            const id = modal.account.id;
            setModal(null);
            void act(() => api.setRole(id, r));
          }} />
      )}
    </section>
  );
}
