import type { ReactNode } from 'react';
import type { SessionInfo } from '../api/types';
import { useI18n } from '../i18n/I18nContext';
import { useSession } from '../session/SessionContext';
import type { PageId } from '../routes';
import { BrandMark } from './BrandMark';
import { KeyDevicePanel } from './KeyDevicePanel';
import { LanguageSwitch } from './LanguageSwitch';
import { NavMenu } from './NavMenu';

export function AppShell({ session, page, children }: { session: SessionInfo; page: PageId; children: ReactNode }) {
  const { t } = useI18n();
  const { logout, key } = useSession();
  return (
    <div className="shell">
      <header className="top-bar">
        <div className="brand">
          <BrandMark />
          <div>
            <div className="brand-name">{t('app.title')}</div>
            <div className="brand-sub">{t('app.subtitle')}</div>
          </div>
        </div>
        <div className="top-right">
          <KeyDevicePanel />
          <div className="user-chip" data-testid="user-chip">
            <span className="user-name">{session.username}</span>
            <span className="role-tag">{t(`role.${session.role}`)}</span>
          </div>
          <LanguageSwitch />
          <button type="button" className="ghost" onClick={() => void logout()}>
            {t('common.logout')}
          </button>
        </div>
      </header>
      {!key && (
        <div className="notice notice-warn banner" role="alert" data-testid="key-removed-banner">
          {t('key.removedWarning')}
        </div>
      )}
      <div className="shell-body">
        <NavMenu role={session.role} permissions={session.permissions} current={page} locked={session.must_change_password} />
        <main className="content" id="main">
          {children}
        </main>
      </div>
    </div>
  );
}
