import { PageHeader } from '../components/PageHeader';
import { useI18n } from '../i18n/I18nContext';

const COMMANDS: { title: 'backup.create' | 'backup.restore' | 'backup.verify'; cmd: string }[] = [
  { title: 'backup.create', cmd: 'medsign backup /backup/medsign-$(date +%F).msbak --passphrase-file /root/backup.pass --data /var/lib/medsign' },
  { title: 'backup.restore', cmd: 'medsign restore /backup/medsign-2026-11-27.msbak --passphrase-file /root/backup.pass --data /srv/medsign-new' },
  { title: 'backup.verify', cmd: 'medsign audit verify --data /srv/medsign-new' },
];

export function BackupPage() {
  const { t } = useI18n();
  return (
    <section>
      <PageHeader title={t('backup.heading')} intro={t('backup.intro')} />
      {COMMANDS.map((c) => (
        <div className="card" key={c.title}>
          <h2>{t(c.title)}</h2>
          <pre className="command" tabIndex={0}>$ {c.cmd}</pre>
        </div>
      ))}
      <p className="muted">ⓘ {t('backup.note')}</p>
    </section>
  );
}
