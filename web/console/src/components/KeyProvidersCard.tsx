import type { ProviderStatus } from '../api/providers';
import { useI18n } from '../i18n/I18nContext';
import { ProviderKeysPanel } from './ProviderKeysPanel';
import { StatusBadge } from './StatusBadge';

/**
 * The server's crypto providers (GET /api/v1/providers): status with the library or token and, when a provider
 * cannot be reached, its specific error; then the keys of each reachable provider with key generation and
 * public-key download.
 */
export function KeyProvidersCard({ providers, onChanged }: { providers: ProviderStatus[] | null; onChanged(): void }) {
  const { t } = useI18n();
  return (
    <>
      <div className="card table-card" data-testid="providers">
        <div className="table-toolbar">
          <div>
            <h2 className="table-title">{t('prov.heading')}</h2>
            <div className="muted small">{t('prov.configHint')}</div>
          </div>
        </div>
        <table className="data-table" aria-label={t('prov.heading')}>
          <thead>
            <tr>
              <th scope="col">{t('prov.provider')}</th>
              <th scope="col">{t('prov.library')}</th>
              <th scope="col">{t('prov.status')}</th>
              <th scope="col">{t('prov.keys')}</th>
            </tr>
          </thead>
          <tbody>
            {providers?.map((p) => (
              <tr key={p.name} data-provider={p.name}>
                <td><strong>{t(`prov.kind.${p.name}` as 'prov.kind.soft')}</strong><div className="muted small mono">{p.name}</div></td>
                <td className="mono small">
                  {p.library}
                  {p.token && <div className="muted">{t('prov.token')}: {p.token}</div>}
                </td>
                <td>
                  {p.reachable
                    ? <StatusBadge tone="ok">{t('prov.reachable')}</StatusBadge>
                    : <StatusBadge tone="bad">{t('prov.unreachable')}</StatusBadge>}
                  {p.error && <div className="small mono" role="note">{p.error.code}: {p.error.message}</div>}
                </td>
                <td>{p.reachable ? p.key_count : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {providers?.filter((p) => p.reachable).map((p) => <ProviderKeysPanel key={p.name} provider={p} onChanged={onChanged} />)}
    </>
  );
}
