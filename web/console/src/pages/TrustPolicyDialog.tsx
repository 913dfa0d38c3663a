import { useState } from 'react';
import { CRL_FAILURES, ops, type PkiPolicy, type PkiProject } from '../api/operations';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { useI18n } from '../i18n/I18nContext';
import type { MessageKey } from '../i18n/dict';
import { FieldProblem, invalidProps, TRUST_NAME } from './TrustProjectDialog';

type Field = 'name' | 'projects';

/** Creates a verification policy, or edits one (description, projects in order, CRL failure handling). */
export function TrustPolicyDialog({ policy, projects, onClose, onSaved }: {
  policy: PkiPolicy | null;
  projects: PkiProject[];
  onClose(): void;
  onSaved(): void;
}) {
  const { t } = useI18n();
  const [p, setP] = useState<PkiPolicy>(policy ?? { name: '', description: '', projects: [], crl_failure: 'project' });
  const [touched, setTouched] = useState<Set<Field>>(new Set());
  const [tried, setTried] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const touch = (f: Field) => setTouched((s) => new Set(s).add(f));
  const show = (f: Field) => tried || touched.has(f);
  const problems: Partial<Record<Field, MessageKey>> = {};
  if (!TRUST_NAME.test(p.name)) problems.name = 'trust.invalid.name';
  if (p.projects.length === 0) problems.projects = 'trust.invalid.projects';

  const save = async () => {
    setTried(true);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    setError(null);
    try {
      await (policy ? ops.updatePolicy(p) : ops.createPolicy(p));
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={policy ? t('trust.editPolicy', { name: policy.name }) : t('trust.newPolicy')} onClose={onClose}
      footer={<>
        <button type="button" onClick={onClose}>{t('common.cancel')}</button>
        <button type="button" className="primary" disabled={busy} onClick={() => void save()}>{t('common.save')}</button>
      </>}>
      <div className="field">
        <label htmlFor="pol-name">{t('trust.name')}</label>
        <input id="pol-name" value={p.name} disabled={!!policy} maxLength={64}
          {...invalidProps('pol-name-problem', show('name') && !!problems.name)} onChange={(e) => { setP({ ...p, name: e.target.value }); touch('name'); }} />
        <FieldProblem id="pol-name-problem" problem={problems.name} show={show('name')} />
      </div>
      <div className="field">
        <label htmlFor="pol-desc">{t('trust.description')}</label>
        <input id="pol-desc" value={p.description} maxLength={500} onChange={(e) => setP({ ...p, description: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="pol-crl">{t('trust.crlFailure')}</label>
        <select id="pol-crl" value={p.crl_failure} onChange={(e) => setP({ ...p, crl_failure: e.target.value as PkiPolicy['crl_failure'] })}>
          {CRL_FAILURES.map((x) => <option key={x} value={x}>{t(`trust.crlFailure.${x}` as MessageKey)}</option>)}
        </select>
      </div>
      <fieldset className="key-fieldset">
        <legend>{t('trust.projects')}</legend>
        <p className="muted small">{t('trust.projectOrder')}</p>
        {projects.map((x) => {
          const pos = p.projects.indexOf(x.name);
          return (
            <label key={x.name} className="check-row">
              <input type="checkbox" checked={pos >= 0}
                onChange={(e) => {
                  setP({ ...p, projects: e.target.checked ? [...p.projects, x.name] : p.projects.filter((n) => n !== x.name) });
                  touch('projects');
                }} />
              {' '}{pos >= 0 && <strong className="mono">{pos + 1}.</strong>} <span className="mono">{x.name}</span>{' '}
              <span className="muted small">{x.description}</span>
            </label>
          );
        })}
        <FieldProblem id="pol-projects-problem" problem={problems.projects} show={show('projects')} />
      </fieldset>
      <ErrorNotice error={error} />
    </Dialog>
  );
}
