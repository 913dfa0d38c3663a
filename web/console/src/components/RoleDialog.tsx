import { useState, type FormEvent } from 'react';
import type { Role } from '../api/types';
import type { MessageKey } from '../i18n/dict';
import { useI18n } from '../i18n/I18nContext';
import { Dialog } from './Dialog';

interface Props {
  username: string;
  current: Role;
  roles: Role[];
  onSave(role: Role): void;
  onClose(): void;
}

export function RoleDialog({ username, current, roles, onSave, onClose }: Props) {
  const { t } = useI18n();
  const [role, setRole] = useState<Role>(current);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSave(role);
  };
  return (
    <Dialog title={`${t('acct.roleTitle')} · ${username}`} onClose={onClose}>
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor="role-select">{t('acct.role')}</label>
          <select id="role-select" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {roles.map((r) => (
              <option key={r} value={r}>{t(('role.' + r) as MessageKey)}</option>
            ))}
          </select>
        </div>
        <div className="form-actions">
          <button type="button" onClick={onClose}>{t('common.cancel')}</button>
          <button type="submit" className="primary" disabled={role === current}>{t('common.save')}</button>
        </div>
      </form>
    </Dialog>
  );
}
