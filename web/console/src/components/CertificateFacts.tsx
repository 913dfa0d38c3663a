import type { CertSummary } from '../api/operations';
import { formatTime } from '../format';
import { useI18n } from '../i18n/I18nContext';
import { ValidityBadge } from './ValidityBadge';

/** The parsed fields of one certificate as a key-value list. */
export function CertificateFacts({ c }: { c: CertSummary }) {
  const { t, lang } = useI18n();
  return (
    <dl className="kv">
      <dt>{t('keys.subject')}</dt><dd className="dn">{c.subject}</dd>
      <dt>{t('keys.issuer')}</dt><dd className="dn">{c.issuer}</dd>
      <dt>{t('keys.serial')}</dt><dd className="mono small">{c.serial}</dd>
      <dt>{t('keys.algorithm')}</dt><dd><span className="algo">{c.algorithm.toUpperCase()}</span></dd>
      <dt>{t('keys.validity')}</dt>
      <dd>{formatTime(c.not_before, lang)} → {formatTime(c.not_after, lang)} <ValidityBadge notAfter={c.not_after} /></dd>
      <dt>{t('keys.fingerprint')}</dt><dd className="mono small">{c.sha256}</dd>
    </dl>
  );
}
