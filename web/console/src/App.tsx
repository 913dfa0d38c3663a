import { useEffect, useState, type ComponentType } from 'react';
import { AppShell } from './components/AppShell';
import { AccountsPage } from './pages/AccountsPage';
import { AuditPage } from './pages/AuditPage';
import { BackupPage } from './pages/BackupPage';
import { ConfigPage } from './pages/ConfigPage';
import { DashboardPage } from './pages/DashboardPage';
import { KeysPage } from './pages/KeysPage';
import { LoginPage } from './pages/LoginPage';
import { PasswordPage } from './pages/PasswordPage';
import { SigningPage } from './pages/SigningPage';
import { TimePage } from './pages/TimePage';
import { TimestampsPage } from './pages/TimestampsPage';
import { TrustPage } from './pages/TrustPage';
import { CaPage } from './pages/CaPage';
import { SealImagePage } from './pages/SealImagePage';
import { SealsPage } from './pages/SealsPage';
import { PdfSignPage } from './pages/PdfSignPage';
import { PdfVerifyPage } from './pages/PdfVerifyPage';
import { pageFromHash, pagesFor, type PageId } from './routes';
import { useI18n } from './i18n/I18nContext';
import { useSession } from './session/SessionContext';

const VIEWS: Record<PageId, ComponentType> = {
  dashboard: DashboardPage,
  time: TimePage,
  timestamps: TimestampsPage,
  signing: SigningPage,
  accounts: AccountsPage,
  config: ConfigPage,
  backup: BackupPage,
  keys: KeysPage,
  audit: AuditPage,
  password: PasswordPage,
  trust: TrustPage,
  ca: CaPage,
  'seal-images': SealImagePage,
  seals: SealsPage,
  'pdf-sign': PdfSignPage,
  'pdf-verify': PdfVerifyPage,
};

export function App() {
  const { session, booting } = useSession();
  const { t } = useI18n();
  const [hashPage, setHashPage] = useState<PageId | null>(pageFromHash());
  useEffect(() => {
    const on = () => setHashPage(pageFromHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);

  if (booting) return <div className="boot">{t('common.loading')}</div>;
  if (!session) return <LoginPage />;

  const allowed = pagesFor(session.permissions).map((p) => p.id);
  let page: PageId = hashPage && allowed.includes(hashPage) ? hashPage : 'dashboard';
  if (session.must_change_password) page = 'password';
  const View = VIEWS[page];
  return (
    <AppShell session={session} page={page}>
      <View key={page} />
    </AppShell>
  );
}
