import type { KeyInfo } from '../api/types';
import { useI18n } from '../i18n/I18nContext';
import { StatusBadge } from './StatusBadge';

/**
 * The crypto providers. The server reports only the software key store over the API; SDF (GM/T 0018) and
 * PKCS#11 modules are configured and inspected with `medsign key … --provider sdf|pkcs11` on the server.
 */
export function KeyProvidersCard({ keys }: { keys: KeyInfo[] | null }) {
  const { t } = useI18n();
  const soft = keys?.filter((k) => k.provider === 'soft').length ?? 0;
  return (
    <div className="provider-grid" data-testid="providers">
      <div className="card provider-card" data-provider="soft">
        <div className="provider-head"><h2>{t('keysP.soft')}</h2><StatusBadge tone="ok">{t('keysP.active')}</StatusBadge></div>
        <p className="muted small">{t('keysP.softDesc')}</p>
        <div className="provider-stat"><strong>{keys ? soft : '—'}</strong> <span className="muted">{t('keysP.keysCount')}</span></div>
      </div>
      {(['sdf', 'pkcs11'] as const).map((p) => (
        <div key={p} className="card provider-card" data-provider={p}>
          <div className="provider-head"><h2>{t(p === 'sdf' ? 'keysP.sdf' : 'keysP.pkcs11')}</h2><StatusBadge tone="neutral">{t('keysP.cliOnly')}</StatusBadge></div>
          <p className="muted small">{t(p === 'sdf' ? 'keysP.sdfDesc' : 'keysP.pkcs11Desc')}</p>
          <code className="small provider-cmd">medsign key list --provider {p} --library {p === 'sdf' ? '/opt/vendor/libsdf.so' : '/usr/lib/softhsm/libsofthsm2.so'}</code>
        </div>
      ))}
    </div>
  );
}
