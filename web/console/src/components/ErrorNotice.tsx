import { ApiError } from '../api/client';
import { useI18n } from '../i18n/I18nContext';

/** Shows an API or local error with the server's message and request id. */
export function ErrorNotice({ error, prefix }: { error: unknown; prefix?: string }) {
  const { t } = useI18n();
  if (!error) return null;
  const msg = error instanceof Error ? error.message : String(error);
  const rid = error instanceof ApiError ? error.body.request_id : undefined;
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <div className="notice notice-bad" role="alert">
      <strong>{prefix ?? t('common.error')}</strong>
      <span className="notice-text">
        {prefix ? '' : '：'}
        {msg}
        {code && <code className="muted"> [{code}]</code>}
      </span>
      {rid && (
        <span className="muted small">
          {' '}
          {t('common.requestId')} {rid}
        </span>
      )}
    </div>
  );
}
