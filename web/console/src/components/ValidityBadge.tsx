import { useI18n } from '../i18n/I18nContext';
import { StatusBadge } from './StatusBadge';

const DAY = 86400_000;

/** Valid, expiring within 30 days, or expired. */
export function ValidityBadge({ notAfter, notBefore }: { notAfter: string; notBefore?: string }) {
  const { t } = useI18n();
  const now = Date.now();
  if (notBefore && new Date(notBefore).getTime() > now) return <StatusBadge tone="warn">{t('cert.notYetValid')}</StatusBadge>;
  const left = new Date(notAfter).getTime() - now;
  if (left < 0) return <StatusBadge tone="bad">{t('keys.expired')}</StatusBadge>;
  if (left < 30 * DAY) return <StatusBadge tone="warn">{t('keys.expiring')}</StatusBadge>;
  return <StatusBadge tone="ok">{t('keys.valid')}</StatusBadge>;
}
