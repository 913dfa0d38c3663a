import { useEffect, useMemo, useState } from 'react';
import { api } from '../api/client';
import type { ConfigKey } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { PageHeader } from '../components/PageHeader';
import { SettingsEditor } from '../components/SettingsEditor';
import { useI18n } from '../i18n/I18nContext';

function show(v: ConfigKey['value']): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === '') return '""';
  return String(v);
}

export function ConfigPage() {
  const { t } = useI18n();
  const [keys, setKeys] = useState<ConfigKey[]>([]);
  const [filter, setFilter] = useState('');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.systemConfig().then((c) => setKeys(c.keys), setError);
  }, []);
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f ? keys.filter((k) => `${k.section}.${k.key} ${k.doc}`.toLowerCase().includes(f)) : keys;
  }, [keys, filter]);

  return (
    <section>
      <PageHeader title={t('cfg.heading')} intro={t('cfg.intro')} />
      <ErrorNotice error={error} />
      <div className="card table-card">
        <div className="table-toolbar">
          <label htmlFor="cfg-filter" className="visually-hidden">{t('cfg.filter')}</label>
          <input id="cfg-filter" type="search" placeholder={t('cfg.filter')} value={filter} onChange={(e) => setFilter(e.target.value)} />
          <span className="muted small">{shown.length} / {keys.length}</span>
        </div>
        <div className="scroll-table">
          <table className="data-table" aria-label={t('cfg.heading')}>
            <thead>
              <tr>
                <th scope="col">{t('cfg.key')}</th>
                <th scope="col">{t('cfg.value')}</th>
                <th scope="col">{t('cfg.doc')}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((k) => (
                <tr key={k.section + '.' + k.key}>
                  <td className="mono nowrap"><span className="muted">{k.section}.</span>{k.key}</td>
                  <td className="mono">{show(k.value)}</td>
                  <td className="doc">{k.doc}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <SettingsEditor />
    </section>
  );
}
