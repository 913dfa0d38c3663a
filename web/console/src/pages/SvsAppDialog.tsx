import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { ops, type PkiPolicy } from '../api/operations';
import type { SvsApp, SvsKey } from '../api/types';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { useI18n } from '../i18n/I18nContext';

/** Registers a business application, or (with `app`) changes its name, address allow-list, permitted keys and
 *  verification policy (PUT /api/v1/svs/apps/{id}); the secret stays as it is. */
export function SvsAppDialog({ app, keys, onClose, onSaved }: {
  app?: SvsApp;
  keys: SvsKey[];
  onClose(): void;
  onSaved(a: SvsApp): void;
}) {
  const { t } = useI18n();
  const [name, setName] = useState(app?.name ?? '');
  const [allow, setAllow] = useState(app ? app.allow.join('\n') : '127.0.0.1/32\n::1/128');
  const [chosen, setChosen] = useState<number[]>(app?.keys ?? []);
  const [policy, setPolicy] = useState(app?.policy ?? '');
  const [policies, setPolicies] = useState<PkiPolicy[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    ops.policies().then(setPolicies, () => setPolicies([]));
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const spec = { name, allow: allow.split(/\s+/).map((s) => s.trim()).filter(Boolean), keys: chosen, policy };
      onSaved(app ? await api.svsUpdateApp(app.id, spec) : await api.svsCreateApp(spec));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const title = app ? t('gaps.svs.editTitle', { name: app.name }) : t('svs.add');
  // A policy the list no longer has (removed since) stays selectable so that saving does not change it silently.
  const names = policies.map((p) => p.name);
  if (policy && !names.includes(policy)) names.push(policy);
  return (
    <Dialog title={title} onClose={onClose}>
      <form onSubmit={(e) => void submit(e)} aria-label={title}>
        {app && <p className="muted small">{t('svs.appId')}: <code>{app.id}</code></p>}
        <div className="field">
          <label htmlFor="app-name">{t('svs.appName')}</label>
          <input id="app-name" required maxLength={128} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="app-allow">{t('svs.allow')}</label>
          <textarea id="app-allow" rows={3} value={allow} onChange={(e) => setAllow(e.target.value)} />
          <div className="muted small">{t('svs.allowHint')}</div>
        </div>
        <fieldset className="key-fieldset">
          <legend>{t('svs.keys')}</legend>
          {keys.map((k) => (
            <label key={k.index} className="check-row">
              <input type="checkbox" checked={chosen.includes(k.index)}
                onChange={(e) => setChosen(e.target.checked ? [...chosen, k.index] : chosen.filter((i) => i !== k.index))} />
              {' '}{k.index} · {k.name} ({k.algorithm.toUpperCase()})
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="app-policy">{t('gaps.svs.policy')}</label>
          <select id="app-policy" value={policy} onChange={(e) => setPolicy(e.target.value)}>
            <option value="">{t('gaps.svs.policyDefault')}</option>
            {names.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
          <div className="muted small">{t('gaps.svs.policyHint')}</div>
        </div>
        <ErrorNotice error={error} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>{t('common.cancel')}</button>
          <button type="submit" className="primary" disabled={busy}>{app ? t('common.save') : t('svs.create')}</button>
        </div>
      </form>
    </Dialog>
  );
}
